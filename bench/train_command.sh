#!/usr/bin/env bash
# The user's training command against PyTorch running the same recipe on the same cores:
#   kelvin train --model resnet18 --stem small --width 64 --dataset fashion-mnist --batch 128 --threads T
#   kelvin train --model resnet18 --stem imagenet --width 64 --dataset synthetic:3x224x224 --batch 16 --threads T
# against bench/train_command_pytorch.py (same model, data, optimizer and schedule). Each side's
# steady-state step time is measured inside its process: Kelvin's from the steps.csv the run writes
# (per-step seconds from the cumulative images/s column), PyTorch's by its own clock, both from the
# end of one step to the end of the next (batch fetch included), the median over the steps after the
# first 3. ROUNDS rounds alternate Kelvin and PyTorch; the median of the rounds is kept per side.
# Writes bench/results/train_command.csv (rows of earlier machines are kept, this machine's replaced):
#   config,isa,cpu,openblas_core,sgemm_peak_gflops,kelvin_img_s,pytorch_img_s,ratio,kelvin_gflops,kelvin_pct_of_peak,rounds,date
# GFLOP/s = img/s x the analytic direct-convolution training FLOPs per image (bench/resnet_flops.py).
# Usage: bench/train_command.sh [path/to/kelvin] [threads] [steps] [rounds]
set -euo pipefail
cd "$(dirname "$0")/.."
KELVIN=${1:-.build/release/kelvin}
THREADS=${2:-2}
STEPS=${3:-15}
ROUNDS=${4:-3}
OUT=bench/results/train_command.csv
HEADER="config,isa,cpu,openblas_core,sgemm_peak_gflops,kelvin_img_s,pytorch_img_s,ratio,kelvin_gflops,kelvin_pct_of_peak,rounds,date"
mkdir -p bench/results
[ -x "$KELVIN" ] || swift build -c release --product kelvin
PY=$(bench/python.sh)
[ -n "$PY" ] || echo "bench/train_command.sh: no python with torch; PyTorch columns are NA" >&2
cpu=$(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1 | tr ',' ' ')
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

median() { python3 -c 'import statistics,sys; v=[float(a) for a in sys.argv[1:] if a!="NA"]; print(f"{statistics.median(v):.2f}" if v else "NA")' "$@"; }

rows=()
for isa in native avx2; do
  if [ $isa = avx2 ]; then
    kenv=(env OPENBLAS_CORETYPE=Haswell KELVIN_KERNELS=avx2)
    penv=(env DNNL_MAX_CPU_ISA=AVX2 MKL_ENABLE_INSTRUCTIONS=AVX2 ATEN_CPU_CAPABILITY=avx2)
  else
    kenv=(env -u OPENBLAS_CORETYPE -u KELVIN_KERNELS)
    penv=(env)
  fi
  s=$("${kenv[@]}" "$KELVIN" bench-train --sgemm --threads "$THREADS")
  core=$(sed -n 's/.*core=\([A-Za-z0-9]*\).*/\1/p' <<<"$s")
  peak=$(sed -n 's/.*sgemm_gflops=\([0-9.]*\).*/\1/p' <<<"$s")
  for config in small imagenet; do
    if [ $config = small ]; then
      kargs=(--stem small --dataset fashion-mnist --batch 128); pargs=(fashion-mnist --stem small --batch 128)
      name="resnet18-small-fashion-mnist-b128"; flopcfg=small
    else
      kargs=(--stem imagenet --dataset synthetic:3x224x224 --batch 16); pargs=(synthetic:3x224x224 --stem imagenet --batch 16)
      name="resnet18-imagenet-synthetic-3x224x224-b16"; flopcfg=imagenet
    fi
    k_rates=(); p_rates=()
    for round in $(seq "$ROUNDS"); do
      rm -rf "$work/run"
      "${kenv[@]}" "$KELVIN" train --model resnet18 --width 64 "${kargs[@]}" --threads "$THREADS" \
          --max-steps "$STEPS" --epochs 1 --test-limit 16 --quiet --out "$work/run" > "$work/log" 2>&1 ||
          { cat "$work/log" >&2; exit 1; }
      k_rates+=("$(python3 bench/steps_rate.py "$work/run/steps.csv" 3 "${kargs[5]}")")
      if [ -n "$PY" ] && p=$("${penv[@]}" "$PY" bench/train_command_pytorch.py "${pargs[@]:0:1}" "$STEPS" "$THREADS" "${pargs[@]:1}" 2>/dev/null); then
        p_rates+=("$(sed -n 's/.*img_s=\([0-9.]*\).*/\1/p' <<<"$p")")
      else
        p_rates+=(NA)
      fi
      echo "  $isa $config round $round: kelvin ${k_rates[-1]} img/s, pytorch ${p_rates[-1]} img/s" >&2
    done
    k=$(median "${k_rates[@]}"); p=$(median "${p_rates[@]}")
    ratio=NA; [ "$p" = NA ] || ratio=$(python3 -c "print(f'{$k / $p:.3f}')")
    flop=$(python3 bench/resnet_flops.py "$flopcfg" | sed -n 's/.*=\([0-9.]*\)/\1/p')
    gflops=$(python3 -c "print(f'{$k * $flop:.1f}')")
    pct=$(python3 -c "print(f'{100 * $gflops / $peak:.1f}')")
    rows+=("$name,$isa,$cpu,$core,$peak,$k,$p,$ratio,$gflops,$pct,$ROUNDS,$(date -u +%F)")
    echo "${rows[-1]}"
  done
done
# Keep other machines' rows; replace this CPU's.
{
  echo "$HEADER"
  [ -f "$OUT" ] && tail -n +2 "$OUT" | awk -F, -v cpu="$cpu" '$3 != cpu'
  printf '%s\n' "${rows[@]}"
} > "$OUT.tmp" && mv "$OUT.tmp" "$OUT"
