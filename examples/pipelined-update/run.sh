#!/usr/bin/env bash
# Standard SGD at micro-batch m against the per-block pipelined update with micro-batches of m
# (batch 64 = 8 micro-batches of 8): cnn width 8, Fashion-MNIST subset, 3 seeds, constant LR.
# Usage: examples/pipelined-update/run.sh [KELVIN] ; results in examples/pipelined-update/runs and results.md.
set -euo pipefail
KELVIN=${1:-.build/release/kelvin}
HERE=$(cd "$(dirname "$0")" && pwd)
for mom in 0.9 0; do
COMMON="--model cnn --width 8 --epochs 1 --lr 0.02 --schedule constant --momentum $mom --train-limit 10000 --test-limit 2000 --quiet --threads 1"
for seed in 0 1 2; do
  for arm in standard pipelined; do
    out=$HERE/runs/momentum$mom/$arm-seed$seed
    if [ -f "$out/metrics.jsonl" ] && grep -q '"epoch":1' "$out/metrics.jsonl"; then continue; fi   # finished: keep
    if [ -f "$out/last.ckpt" ]; then "$KELVIN" train --resume --out "$out" --quiet; continue; fi       # killed: resume
    if [ $arm = standard ]; then
      "$KELVIN" train $COMMON --batch 8 --seed $seed --out "$out"
    else
      "$KELVIN" train $COMMON --batch 64 --update pipelined --micro-batch 8 --seed $seed --out "$out"
    fi
  done
done
done
python3 - "$HERE" <<'PY'
import json, sys, statistics as st, pathlib
here = pathlib.Path(sys.argv[1])
rows = []
for mom, arm in [(m, a) for m in ["0.9", "0"] for a in ["standard", "pipelined"]]:
    acc, secs = [], []
    for seed in range(3):
        m = [json.loads(l) for l in open(here / f"runs/momentum{mom}/{arm}-seed{seed}/metrics.jsonl")]
        acc.append(m[-1]["test_top1"]); secs.append(m[-1]["seconds"])
    rows.append(f"| {arm} | {mom} | {' / '.join(f'{100*a:.2f}' for a in acc)} | {100*st.mean(acc):.2f} ± {100*st.stdev(acc):.2f} | {st.mean(secs):.1f} |")
open(here / "results.md", "w").write("| update (micro-batch 8) | momentum | test top-1 per seed 0/1/2 (%) | mean ± std (%) | seconds per run |\n|---|---|---|---|---|\n" + "\n".join(rows) + "\n")
print(open(here / "results.md").read())
PY

# Timing on the analog machine: the same cnn compiled (20 training steps give the volt scales;
# the slot lengths are the modules' characterised settling), standard vs pipelined per batch.
t=runs/pipelined-timing   # (repository-root runs/: not committed)
[ -f "$t/cnn/last.ckpt" ] || "$KELVIN" train --model cnn --width 8 --max-steps 20 --epochs 1 --batch 64 --lr 0.02 \
  --test-limit 64 --quiet --out "$t/cnn"
rm -rf "$t/compiled"
"$KELVIN" compile --checkpoint "$t/cnn/last.ckpt" --out "$t/compiled" --positions 1 --cell vcr
python3 "$HERE/timing.py" "$t/compiled" 8 8 > "$HERE/timing.md"
cat "$HERE/timing.md"
