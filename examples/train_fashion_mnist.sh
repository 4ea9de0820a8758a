#!/usr/bin/env bash
# Train ResNet-18 (small stem) on Fashion-MNIST, stop half-way, resume, then evaluate the checkpoint.
# Usage: examples/train_fashion_mnist.sh [kelvin binary] [run dir]
set -euo pipefail
KELVIN=${1:-.build/release/kelvin}
RUN=${2:-runs/fashion-mnist-resnet18}
# Width 16 keeps an epoch to a few minutes on 2 cores; torchvision's width is 64 (--width 64).
"$KELVIN" train --model resnet18 --stem small --width 16 --dataset fashion-mnist \
  --epochs 2 --batch 128 --lr 0.1 --momentum 0.9 --weight-decay 5e-4 --schedule onecycle \
  --augment --seed 1 --out "$RUN" --max-steps 400
"$KELVIN" train --out "$RUN" --resume            # continues at step 400 with the same data order and momentum
"$KELVIN" eval --checkpoint "$RUN/last.ckpt" --json
cat "$RUN/metrics.jsonl"
