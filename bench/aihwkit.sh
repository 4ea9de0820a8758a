#!/usr/bin/env bash
# Hardware-aware training through analog layers: Kelvin's `--analog cells-vcr` (characterised NMOS
# VCR cells, rank-1 fit, summer and rectifier curves, mismatch, read noise, 8-bit DAC/ADC) against
# IBM aihwkit's InferenceRPUConfig (hand-set noise and converter parameters, its C++ CPU tiles), both
# on ResNet-18 (small stem, synthetic 1x28x28, batch 128), same threads, interleaved rounds, best of
# each. Kelvin's figure is `kelvin bench-train` (one warm-up step, then STEPS timed steps).
# aihwkit comes from AIHWKIT_PYTHON (a python that imports it) or is built into its own throwaway
# virtualenv .build/aihwkit-venv (PyPI has only its source: a C++ build of 15-30 minutes on 2 cores,
# against the torch of bench/python.sh's wheel); when neither works the row says NA.
# Writes bench/results/aihwkit.csv:
#   width,kelvin_img_s,aihwkit_img_s,ratio,aihwkit_version,torch_version,cpu,isa,date
# Usage: bench/aihwkit.sh [path/to/kelvin] [threads] [steps] [rounds]
set -euo pipefail
cd "$(dirname "$0")/.."
KELVIN=${1:-.build/release/kelvin}
THREADS=${2:-2}
STEPS=${3:-3}
ROUNDS=${4:-2}
OUT=bench/results/aihwkit.csv
mkdir -p bench/results
export XDG_CACHE_HOME=${XDG_CACHE_HOME:-$PWD/.build/kelvin-cache}
PY=${AIHWKIT_PYTHON:-}
if [ -z "$PY" ]; then
  venv=.build/aihwkit-venv
  if ! { [ -x $venv/bin/python3 ] && $venv/bin/python3 -c 'import aihwkit' 2>/dev/null; }; then
    echo "bench/aihwkit.sh: building aihwkit into $venv (log: $venv.log)" >&2
    python3 -m venv $venv && {
      wheel=$(ls "${PIP_FIND_LINKS:-/opt/wheels}"/torch-*.whl 2>/dev/null | sort -V | tail -1)
      $venv/bin/pip install -q ${wheel:-torch} numpy "cmake>=4.2.1" "scikit-build>=0.18.1" "pybind11>=3.0.1" ninja \
          setuptools wheel scipy tqdm protobuf requests scikit-learn mypy &&
      PATH="$PWD/$venv/bin:$PATH" CMAKE_BUILD_PARALLEL_LEVEL=$(nproc) $venv/bin/pip install --no-build-isolation --no-deps aihwkit
    } > $venv.log 2>&1 || echo "bench/aihwkit.sh: aihwkit did not build (see $venv.log)" >&2
  fi
  PY=$venv/bin/python3
fi
"$KELVIN" profile show cells-vcr > /dev/null   # characterises the cells once, outside the timing
cpu=$(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1 | tr ',' ' ')
isa=$(grep -o -w -m1 'avx512f' /proc/cpuinfo || true); isa=${isa:-$(grep -o -w -m1 avx2 /proc/cpuinfo || echo sse)}
echo "width,kelvin_img_s,aihwkit_img_s,ratio,aihwkit_version,torch_version,cpu,isa,date" > "$OUT"
for width in 16 64; do
  k_best=0; a_best=NA; versions=(NA NA)
  for _ in $(seq "$ROUNDS"); do
    r=$("$KELVIN" bench-train --config small --width "$width" --steps "$STEPS" --threads "$THREADS" --analog cells-vcr)
    img=$(sed -n 's/.*img_s=\([0-9.]*\).*/\1/p' <<<"$r")
    k_best=$(python3 -c "print(max($img, $k_best))")
    if a=$("$PY" bench/aihwkit_peer.py "$width" "$STEPS" "$THREADS" 2>/dev/null); then
      img=$(sed -n 's/.*img_s=\([0-9.]*\).*/\1/p' <<<"$a")
      a_best=$(python3 -c "print($img if '$a_best' == 'NA' else max($img, $a_best))")
      versions=("$(sed -n 's/.*aihwkit=\([^ ]*\).*/\1/p' <<<"$a")" "$(sed -n 's/.*torch=\([^ ]*\).*/\1/p' <<<"$a")")
    fi
  done
  ratio=NA; [ "$a_best" = NA ] || ratio=$(python3 -c "print(f'{$k_best / $a_best:.2f}')")
  echo "$width,$k_best,$a_best,$ratio,${versions[0]},${versions[1]},$cpu,$isa,$(date -u +%F)" | tee -a "$OUT"
done
