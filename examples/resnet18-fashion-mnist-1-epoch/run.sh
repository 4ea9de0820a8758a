#!/usr/bin/env bash
# The issue-4 accuracy recipe: ResNet-18 (torchvision width 64, small stem), Fashion-MNIST, 1 epoch,
# batch 128, SGD momentum 0.9, one-cycle lr 0.1, weight decay 5e-4, no augmentation.
# Reproduces metrics.jsonl and eval.json beside this script (about 20-35 min on 2 cores).
set -euo pipefail
KELVIN=${1:-.build/release/kelvin}
RUN=${2:-runs/resnet18-fashion-mnist-1-epoch}
"$KELVIN" train --model resnet18 --stem small --width 64 --dataset fashion-mnist --epochs 1 --batch 128 \
  --lr 0.1 --momentum 0.9 --weight-decay 5e-4 --schedule onecycle --seed 1 --out "$RUN"
"$KELVIN" eval --checkpoint "$RUN/last.ckpt" --dataset fashion-mnist --json
"$KELVIN" plot "$RUN"
