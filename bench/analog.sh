#!/usr/bin/env bash
# Training throughput through analog execution profiles against digital, same binary, same run:
# ResNet-18, small stem, batch 128, synthetic 1x28x28 data (`kelvin bench-train`: one warm-up step,
# then STEPS timed steps of forward + backward + SGD), for
#   digital             exact Float32
#   cells-vcr           the built-in profile: NMOS VCR cells through a rank-1 separable fit, tiling off,
#                       summer and rectifier curves, mismatch, read noise, 8-bit DAC/ADC
#   cells-vcr-tiled     the same with fan-in tiling (rows=256 per module, each tile through the summer)
# Rounds interleave the three (the machine's speed drifts); the best of ROUNDS is kept per profile.
# Writes bench/results/analog.csv:
#   width,profile,img_s,ratio_to_digital,cpu,isa,openblas_core,sgemm_peak_gflops
# Usage: bench/analog.sh [path/to/kelvin] [threads] [steps] [rounds]
set -euo pipefail
cd "$(dirname "$0")/.."
KELVIN=${1:-.build/release/kelvin}
THREADS=${2:-2}
STEPS=${3:-3}
ROUNDS=${4:-2}
OUT=bench/results/analog.csv
mkdir -p bench/results
export XDG_CACHE_HOME=${XDG_CACHE_HOME:-$PWD/.build/kelvin-cache}
tiled=$(mktemp --suffix=.json)
trap 'rm -f "$tiled"' EXIT
"$KELVIN" profile show cells-vcr --json | python3 -c '
import json, sys
p = json.load(sys.stdin); p["name"] = "cells-vcr-tiled"; p["tiling"] = {"rows": 256}
print(json.dumps(p))' > "$tiled"
"$KELVIN" profile show cells-vcr > /dev/null   # characterises the cells once, outside the timing
cpu=$(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1 | tr ',' ' ')
isa=$(grep -o -w -m1 'avx512f' /proc/cpuinfo || true); isa=${isa:-$(grep -o -w -m1 avx2 /proc/cpuinfo || echo sse)}
s=$("$KELVIN" bench-train --sgemm --threads "$THREADS")
core=$(sed -n 's/.*core=\([A-Za-z0-9]*\).*/\1/p' <<<"$s")
peak=$(sed -n 's/.*sgemm_gflops=\([0-9.]*\).*/\1/p' <<<"$s")
echo "width,profile,img_s,ratio_to_digital,cpu,isa,openblas_core,sgemm_peak_gflops" > "$OUT"
for width in 16 64; do
  declare -A best=([digital]=0 [cells-vcr]=0 [cells-vcr-tiled]=0)
  for _ in $(seq "$ROUNDS"); do
    for profile in digital cells-vcr cells-vcr-tiled; do
      case $profile in digital) args=();; cells-vcr) args=(--analog cells-vcr);; *) args=(--analog "$tiled");; esac
      r=$("$KELVIN" bench-train --config small --width "$width" --steps "$STEPS" --threads "$THREADS" "${args[@]}")
      img=$(sed -n 's/.*img_s=\([0-9.]*\).*/\1/p' <<<"$r")
      best[$profile]=$(python3 -c "print(max($img, ${best[$profile]}))")
    done
  done
  for profile in digital cells-vcr cells-vcr-tiled; do
    ratio=$(python3 -c "print(f'{${best[$profile]} / ${best[digital]}:.3f}')")
    echo "$width,$profile,${best[$profile]},$ratio,$cpu,$isa,$core,$peak" | tee -a "$OUT"
  done
done
