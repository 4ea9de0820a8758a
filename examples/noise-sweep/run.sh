#!/usr/bin/env bash
# Seed 000 §4's training noise on Fashion-MNIST (issue 12 §1): ResNet-18 (small stem, width 16)
# trained with a fresh relative weight perturbation w·(1 + σ·N(0,1)) in every step's forward and
# backward (`weight_noise`), each update multiplied by (1 + σ·N(0,1)) (`update_noise`), or both
# (the paper's setting), for σ in SIGMAS and 3 seeds per arm; σ = 0 is the digital run, shared
# by the three arms. Then summarize.py writes results.csv, results.md and accuracy-vs-sigma.svg.
#
# Resumable: a finished run (its metrics.jsonl has the last epoch) is skipped, an interrupted one
# continues with --resume; summarize.py counts only finished runs and prints how many each cell has.
# usage: [TRAIN_LIMIT=N] [EPOCHS=E] [SEEDS="1 2 3"] [SIGMAS="..."] [ARMS="both weight update"] [WIDTH=16] [TAG=full] examples/noise-sweep/run.sh [KELVIN] [RUNS_DIR]
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
KELVIN=${1:-.build/release/kelvin}
RUNS=${2:-runs/noise-sweep}
TRAIN_LIMIT=${TRAIN_LIMIT:-20000}
EPOCHS=${EPOCHS:-1}
SEEDS=${SEEDS:-1 2 3}
SIGMAS=${SIGMAS:-0.001 0.01 0.05 0.1}
WIDTH=${WIDTH:-16}
ARMS=${ARMS:-both weight update}
[ -x "$KELVIN" ] || { echo "run.sh: no kelvin at $KELVIN (build it: swift build -c release --product kelvin)" >&2; exit 2; }
if ! ls /usr/share/datasets/fashion-mnist >/dev/null 2>&1 && ! ls "$HOME/.cache/kelvin/fashion-mnist" >/dev/null 2>&1 \
   && ! ls data/fashion-mnist >/dev/null 2>&1; then
  echo "run.sh: Fashion-MNIST is missing: apt-get install -y dataset-fashion-mnist (or make deps)" >&2; exit 2
fi
mkdir -p "$RUNS/profiles"
finished() { [ -f "$1/metrics.jsonl" ] && grep -q "\"epoch\":$EPOCHS," "$1/metrics.jsonl"; }
train() {  # run-dir, seed, extra args...
  local dir=$1 seed=$2; shift 2
  if finished "$dir"; then return; fi
  local start=$SECONDS
  if [ -f "$dir/last.ckpt" ]; then
    "$KELVIN" train --out "$dir" --resume --quiet
  else
    rm -rf "$dir"
    "$KELVIN" train --model resnet18 --stem small --width "$WIDTH" --dataset fashion-mnist --train-limit "$TRAIN_LIMIT" \
      --epochs "$EPOCHS" --batch 128 --lr 0.1 --schedule onecycle --seed "$seed" --quiet --out "$dir" "$@"
  fi
  echo "$dir: $((SECONDS - start)) s" >&2
}
for seed in $SEEDS; do
  train "$RUNS/w$WIDTH-digital-s$seed" "$seed"
  for sigma in $SIGMAS; do
    for arm in $ARMS; do
      profile="$RUNS/profiles/$arm-$sigma.json"
      case $arm in
        both) noise="\"weight_noise\": $sigma, \"update_noise\": $sigma" ;;
        weight) noise="\"weight_noise\": $sigma" ;;
        update) noise="\"update_noise\": $sigma" ;;
      esac
      echo "{\"name\": \"noise-$arm-$sigma\", \"description\": \"seed 000 §4 training noise, $arm, sigma $sigma\", $noise}" > "$profile"
      train "$RUNS/w$WIDTH-$arm-$sigma-s$seed" "$seed" --analog "$profile"
    done
  done
done
python3 "$HERE/summarize.py" "$RUNS" "$HERE" "$WIDTH" "${TAG:-}"
