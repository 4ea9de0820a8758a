#!/usr/bin/env bash
# The compiler's costs, Kelvin against ngspice on the same decks. Writes bench/results/compile.csv:
#   task,kelvin_s,ngspice_s,ratio
#   verify_per_position  `kelvin verify DIR` (one SimulationSession per module) vs ngspice -b on
#                        every deck of the same folder; rounds interleaved, best of each kept
#   chain_image          one whole image as circuits (`kelvin verify --chain --images 1`)
#   compile_cnn          `kelvin compile` of the cnn (decks, manifest, schedule)
#   resnet18_report      `kelvin compile --report-only` of ResNet-18 (width 64, small stem)
# (ratio = kelvin / ngspice; empty where ngspice has no counterpart.)
# Usage: bench/compile.sh [path/to/kelvin] [rounds]
set -euo pipefail
cd "$(dirname "$0")/.."
KELVIN=${1:-.build/release/kelvin}
ROUNDS=${2:-3}
OUT=bench/results/compile.csv
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
mkdir -p bench/results
[ -x "$KELVIN" ] || swift build -c release --product kelvin
now() { python3 -c 'import time; print(time.perf_counter())'; }

"$KELVIN" train --model cnn --width 8 --dataset fashion-mnist --epochs 1 --out "$WORK/cnn" --quiet > /dev/null
t0=$(now); "$KELVIN" compile --checkpoint "$WORK/cnn/last.ckpt" --out "$WORK/c" --images 2 --positions 4 > /dev/null; t1=$(now)
compile_s=$(python3 -c "print($t1 - $t0)")
best_k=1e9; best_n=1e9
for _ in $(seq "$ROUNDS"); do
    t0=$(now); "$KELVIN" verify "$WORK/c" > /dev/null || true; t1=$(now)
    best_k=$(python3 -c "print(min($best_k, $t1 - $t0))")
    t0=$(now)
    for deck in "$WORK"/c/decks/*.cir; do ngspice -b "$deck" > /dev/null 2>&1; done
    t1=$(now)
    best_n=$(python3 -c "print(min($best_n, $t1 - $t0))")
done
t0=$(now); "$KELVIN" verify "$WORK/c" --chain --images 1 --agreement 0 > /dev/null; t1=$(now)
chain_s=$(python3 -c "print($t1 - $t0)")
"$KELVIN" train --model resnet18 --width 64 --dataset synthetic --max-steps 1 --train-limit 8 --test-limit 8 --batch 8 \
    --out "$WORK/r18" --quiet > /dev/null
t0=$(now); "$KELVIN" compile --checkpoint "$WORK/r18/last.ckpt" --dataset synthetic --report-only --out "$WORK/r" > /dev/null; t1=$(now)
report_s=$(python3 -c "print($t1 - $t0)")
{
    echo "task,kelvin_s,ngspice_s,ratio"
    python3 -c "print('verify_per_position,%.3f,%.3f,%.3f' % ($best_k, $best_n, $best_k / $best_n))"
    python3 -c "print('chain_image,%.3f,,' % $chain_s)"
    python3 -c "print('compile_cnn,%.3f,,' % $compile_s)"
    python3 -c "print('resnet18_report,%.3f,,' % $report_s)"
} > "$OUT"
cat "$OUT"
