#!/usr/bin/env bash
# Seed 002's PCM drift (issue 12 §2, in part): the digitally trained ResNet-18 of
# examples/analog-profiles (width 16, small stem, Fashion-MNIST, 2 epochs) evaluated under the `pcm`
# profile at drift times 1 s, 1 h, 1 day and 1 year after programming, without drift compensation
# and with the global one, 10 simulated chips each, on the first LIMIT test images (default all).
# Writes eval-pcm-<time>-<compensation>.json and results.csv beside this script.
# usage: [LIMIT=N] examples/device-drift/run.sh [KELVIN] [RUNS_DIR]
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
KELVIN=${1:-.build/release/kelvin}
RUNS=${2:-runs/analog-profiles}
limit=(); [ -z "${LIMIT:-}" ] || limit=(--limit "$LIMIT")
base="$RUNS/digital"
[ -f "$base/last.ckpt" ] || "$KELVIN" train --model resnet18 --stem small --width 16 --dataset fashion-mnist --epochs 2 \
  --batch 128 --lr 0.1 --schedule onecycle --seed 1 --quiet --out "$base"
for t in 1s 1h 1d 1y; do
  for c in off global; do
    f="$HERE/eval-pcm-$t-$c.json"
    [ -s "$f" ] || "$KELVIN" eval --checkpoint "$base/last.ckpt" --analog pcm --repeat 10 --drift-time "$t" \
      --drift-compensation "$c" "${limit[@]}" --json > "$f.tmp" && mv "$f.tmp" "$f"
  done
done
python3 - "$HERE" <<'PY'
import json, sys, os
here = sys.argv[1]
rows = ["drift_time,compensation,top1_mean,top1_std,top5_mean,top5_std,chips"]
for t in ["1s", "1h", "1d", "1y"]:
    for c in ["off", "global"]:
        e = json.load(open(os.path.join(here, f"eval-pcm-{t}-{c}.json")))
        rows.append(f"{t},{c},{e['top1']:.4f},{e['top1_std']:.4f},{e['top5']:.4f},{e['top5_std']:.4f},{len(e['repeats'])}")
open(os.path.join(here, "results.csv"), "w").write("\n".join(rows) + "\n")
print("\n".join(rows))
PY
