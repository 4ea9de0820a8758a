#!/usr/bin/env bash
# Seed 002's device accuracy table on Fashion-MNIST (issue 12 §2): ResNet-18 (small stem, width 16)
# trained digitally for 3 epochs on all 60 000 training images (seeds 1 2 3: the σ = 0 runs of
# examples/noise-sweep at full size, shared with it), then
#   1. evaluated under the reram, sonos, pcm and ecram profiles (8-bit DAC and ADC), CHIPS simulated
#      chips each (chip seeds 100…; no chip that any fine-tuning trained on);
#   2. under pcm at 1 s, 1 h, 1 day and 1 year after programming, without drift compensation and
#      with the global one;
#   3. fine-tuned for one epoch on the first TUNE_LIMIT training images under each profile
#      (`--init`, noise-aware training) with a fresh chip every step (`--chip-draws step`), and for
#      FIXED_TUNE profiles also on one fixed chip (chip 0), then evaluated as in 1;
#   4. the pcm network fine-tuned in 3 evaluated at 1 h, 1 day and 1 year with global compensation.
# Writes eval/s<seed>-<what>.json, tuned/*.jsonl, and (summarize.py) results.csv and results.md.
# Resumable: a finished evaluation or training is skipped, an interrupted training resumed; the
# tables count finished results only.
# usage: [LIMIT=2000] [TUNE_LIMIT=10000] [CHIPS=10] [SEEDS="1 2 3"] [FIXED_TUNE="reram"] [STAGES="1 2 3 4"]
#        examples/device-accuracy/run.sh [KELVIN] [RUNS_DIR]
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
KELVIN=${1:-.build/release/kelvin}
RUNS=${2:-runs/noise-sweep-full}
LIMIT=${LIMIT:-2000}
TUNE_LIMIT=${TUNE_LIMIT:-10000}
CHIPS=${CHIPS:-10}
SEEDS=${SEEDS:-1 2 3}
FIXED_TUNE=${FIXED_TUNE-reram}
STAGES=${STAGES:-1 2 3 4}
DEVICES="reram sonos pcm ecram"
[ -x "$KELVIN" ] || { echo "run.sh: no kelvin at $KELVIN (build it: swift build -c release --product kelvin)" >&2; exit 2; }
if ! ls /usr/share/datasets/fashion-mnist >/dev/null 2>&1 && ! ls "$HOME/.cache/kelvin/fashion-mnist" >/dev/null 2>&1 \
   && ! ls data/fashion-mnist >/dev/null 2>&1; then
  echo "run.sh: Fashion-MNIST is missing: apt-get install -y dataset-fashion-mnist (or make deps)" >&2; exit 2
fi
mkdir -p "$HERE/eval" "$HERE/tuned" "$RUNS"
finished() { [ -f "$1/metrics.jsonl" ] && grep -q "\"epoch\":$2," "$1/metrics.jsonl"; }
evaluate() {  # output name, checkpoint, extra eval args...
  local f="$HERE/eval/$1.json" ck=$2; shift 2
  [ -s "$f" ] && return
  "$KELVIN" eval --checkpoint "$ck" --limit "$LIMIT" --json "$@" > "$f.tmp" && mv "$f.tmp" "$f"
}
tune() {  # seed, profile, chip mode (step or fixed)
  local dir="$RUNS/tune-$2-$3-s$1"
  if ! finished "$dir" 1; then
    if [ -f "$dir/last.ckpt" ]; then "$KELVIN" train --out "$dir" --resume --quiet
    else
      rm -rf "$dir"
      "$KELVIN" train --init "$RUNS/w16-digital-s$1/last.ckpt" --analog "$2" --chip-draws "$3" --chip-seed 0 --epochs 1 \
        --lr 0.01 --schedule cosine --train-limit "$TUNE_LIMIT" --seed "$1" --quiet --out "$dir"
    fi
  fi
  cp "$dir/metrics.jsonl" "$HERE/tuned/$2-$3-s$1.jsonl"
  evaluate "s$1-$2-tuned-$3" "$dir/last.ckpt" --analog "$2" --repeat "$CHIPS" --chip-seed 100
}
for seed in $SEEDS; do
  base="$RUNS/w16-digital-s$seed"
  if ! finished "$base" 3; then  # the noise sweep's σ = 0 run (examples/noise-sweep/run.sh, TRAIN_LIMIT=60000 EPOCHS=3)
    if [ -f "$base/last.ckpt" ]; then "$KELVIN" train --out "$base" --resume --quiet
    else
      "$KELVIN" train --model resnet18 --stem small --width 16 --dataset fashion-mnist --train-limit 60000 --epochs 3 \
        --batch 128 --lr 0.1 --schedule onecycle --seed "$seed" --quiet --out "$base"
    fi
  fi
  evaluate "s$seed-digital" "$base/last.ckpt"
  for stage in $STAGES; do
    case $stage in
      1) for p in $DEVICES; do evaluate "s$seed-$p" "$base/last.ckpt" --analog "$p" --repeat "$CHIPS" --chip-seed 100; done ;;
      2) for t in 1s 1h 1d 1y; do for c in off global; do
           evaluate "s$seed-pcm-$t-$c" "$base/last.ckpt" --analog pcm --repeat "$CHIPS" --chip-seed 100 --drift-time "$t" --drift-compensation "$c"
         done; done ;;
      3) for p in $DEVICES; do tune "$seed" "$p" step; done
         for p in $FIXED_TUNE; do tune "$seed" "$p" fixed; done ;;
      4) tuned="$RUNS/tune-pcm-step-s$seed/last.ckpt"
         [ -f "$tuned" ] || { echo "run.sh: stage 4 needs stage 3's pcm fine-tuning ($tuned)" >&2; exit 2; }
         for t in 1h 1d 1y; do
           evaluate "s$seed-pcm-tuned-step-$t-global" "$tuned" --analog pcm --repeat "$CHIPS" --chip-seed 100 --drift-time "$t" --drift-compensation global
         done ;;
    esac
  done
done
python3 "$HERE/summarize.py" "$HERE"
