#!/usr/bin/env bash
# Seed 002's tile table (8-bit VMM and outer-product update, energy per operation and array
# latency) next to what Kelvin's characterised cells give for the same operations: one dense layer
# 784 → 256 (an MLP's first layer, 784 rows used of a 1024-row tile) compiled with each cell
# flavour; energy per multiply-accumulate from the compiler's report (cells' characterised energy
# per operation), latency from the schedule (each slot the module's characterised settling).
# usage: examples/tile-energy/run.sh [KELVIN] [RUNS_DIR]
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
KELVIN=${1:-.build/release/kelvin}
RUNS=${2:-runs/tile-energy}
mkdir -p "$RUNS"
# The weights only set the volt scales; one step of training gives a real checkpoint.
[ -f "$RUNS/mlp/last.ckpt" ] || "$KELVIN" train --model mlp --width 256 --max-steps 1 --epochs 1 --batch 32 \
  --test-limit 32 --quiet --out "$RUNS/mlp"
for cell in resistor vcr; do
  rm -rf "$RUNS/compiled-$cell"
  "$KELVIN" compile --checkpoint "$RUNS/mlp/last.ckpt" --out "$RUNS/compiled-$cell" --cell "$cell" --rows 1024 --positions 1
done
python3 "$HERE/table.py" "$RUNS" > "$HERE/table.md"
cat "$HERE/table.md"
