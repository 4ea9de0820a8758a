#!/usr/bin/env bash
# Data-parallel training over MPI (Docs/distributed.md): images/s of `kelvin train` with 1 and 2
# ranks, one thread each, at the same global batch (2 ranks with per-rank and with synchronised
# batch norm), and the allreduce time per step against the step time. Writes bench/results/mpi.csv:
#   ranks,batch_norm,global_batch,img_s,step_ms,allreduce_wait_ms,allreduce_blocking_ms,gradient_mb,cpu,load1
# step_ms: rank 0's wall time per step (forward, backward, allreduce, SGD; steps after start-up).
# allreduce_wait_ms: time per step rank 0 still waits for the gradient sums after its backward
#   pass (the part of the allreduce the bucketed overlap did not hide).
# allreduce_blocking_ms: one blocking MPI_Allreduce of the whole gradient, timed at start-up
#   (median of 3): what the step would pay with no overlap.
# Every row runs under mpirun (-np 1, -np 2), interleaved, ROUNDS times; the fastest of each is kept.
# Usage: bench/mpi.sh [path/to/kelvin] [steps] [rounds] [global batch]
set -euo pipefail
cd "$(dirname "$0")/.."
KELVIN=${1:-.build/release/kelvin}
STEPS=${2:-6}
ROUNDS=${3:-2}
BATCH=${4:-64}
OUT=bench/results/mpi.csv
MODEL=(--model resnet18 --stem small --width 64 --dataset synthetic)
command -v mpirun >/dev/null || { echo "error: mpirun not found (apt-get install openmpi-bin libopenmpi-dev)"; exit 1; }
[ -x "$KELVIN" ] || swift build -c release --product kelvin --static-swift-stdlib
ROOT=()
[ "$(id -u)" = 0 ] && ROOT=(--allow-run-as-root)
cpu=$(lscpu | sed -n 's/^Model name: *//p' | head -1)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p bench/results

run() {  # ranks round [--sync-bn] -> "img_s step_ms wait_ms blocking_ms gradient_mb"
  local n=$1 out="$work/r$1-$2${3:-}"
  mpirun "${ROOT[@]}" --oversubscribe --bind-to none -np "$n" "$KELVIN" train "${MODEL[@]}" --batch "$BATCH" \
    --epochs 1 --max-steps "$STEPS" --threads 1 --quiet --out "$out" ${3:-} 2> "$out.log" >/dev/null \
    || { cat "$out.log" >&2; exit 1; }
  python3 - "$out.log" "$BATCH" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
step, wait = map(float, re.search(r"rank 0: ([0-9.]+) ms per step, of which ([0-9.]+) ms", text).groups())
m = re.search(r"([0-9.]+) MB of gradients summed per step \(([0-9.]+) ms as one blocking allreduce\)", text)
mb, blocking = (m.group(1), m.group(2)) if m else ("0", "0")
print(f"{int(sys.argv[2]) / step * 1000:.2f} {step:.1f} {wait:.1f} {blocking} {mb}")
PY
}

declare -A best
rows=("1" "2" "2 --sync-bn")
for round in $(seq "$ROUNDS"); do
  for row in "${rows[@]}"; do
    read -r n flag <<<"$row"
    r=$(run "$n" "$round" $flag)
    echo "round $round, $row: img/s step_ms wait_ms blocking_ms MB = $r" >&2
    prev=${best[$row]:-}
    if [ -z "$prev" ] || python3 -c "import sys; sys.exit(0 if float('${r%% *}') > float('${prev%% *}') else 1)"; then best[$row]=$r; fi
  done
done
load=$(cut -d' ' -f1 /proc/loadavg)
echo "ranks,batch_norm,global_batch,img_s,step_ms,allreduce_wait_ms,allreduce_blocking_ms,gradient_mb,cpu,load1" > "$OUT"
for row in "${rows[@]}"; do
  read -r n flag <<<"$row"
  read -r img step wait blocking mb <<<"${best[$row]}"
  bn=$([ -n "$flag" ] && echo synchronised || echo per-rank)
  echo "$n,$bn,$BATCH,$img,$step,$wait,$blocking,$mb,\"$cpu\",$load" >> "$OUT"
done
cat "$OUT"
