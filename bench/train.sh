#!/usr/bin/env bash
# Training throughput of ResNet-18 (forward + backward + SGD step, synthetic data), Kelvin vs PyTorch
# measured in the same run on the same threads. Writes bench/results/train.csv:
#   config,isa,openblas_core,kelvin_img_s,pytorch_img_s,ratio,peak_rss_mb,kelvin_gflops,sgemm_peak_gflops,kelvin_pct_of_peak
# (ratio = kelvin / pytorch; RSS is Kelvin's; GFLOP/s = img/s x the analytic direct-convolution
# training FLOPs per image of bench/resnet_flops.py — Winograd layers do fewer, so this is the
# equivalent rate; the sgemm peak is a 2048^3 product on the same cores and ISA, the better of two
# measurements in this run, before and after the training runs; openblas_core is OpenBLAS's kernel set)
#
# Each configuration runs twice, with both libraries on the same instruction set:
#   avx2    OpenBLAS's Haswell kernels (OPENBLAS_CORETYPE=Haswell); PyTorch's oneDNN, MKL and ATen
#           capped at AVX2 (DNNL_MAX_CPU_ISA, MKL_ENABLE_INSTRUCTIONS, ATEN_CPU_CAPABILITY)
#   native  each library's own choice for this CPU (OPENBLAS_CORETYPE unset; PyTorch as installed)
# An OPENBLAS_CORETYPE in the caller's environment pins OpenBLAS only; PyTorch ignores it, which is
# why neither row takes it as given.
# Each configuration runs ROUNDS times (Kelvin, then PyTorch, in turn); the best of each is kept.
# Usage: bench/train.sh [path/to/kelvin] [threads] [steps] [rounds]
set -euo pipefail
cd "$(dirname "$0")/.."
KELVIN=${1:-.build/release/kelvin}
THREADS=${2:-2}
STEPS=${3:-3}
ROUNDS=${4:-2}
OUT=bench/results/train.csv
mkdir -p bench/results
[ -x "$KELVIN" ] || swift build -c release --product kelvin
PY=$(bench/python.sh)
PY=${PY:-python3}
echo "config,isa,openblas_core,kelvin_img_s,pytorch_img_s,ratio,peak_rss_mb,kelvin_gflops,sgemm_peak_gflops,kelvin_pct_of_peak" > "$OUT"
for isa in avx2 native; do
  if [ $isa = avx2 ]; then
    kenv=(env OPENBLAS_CORETYPE=Haswell)
    penv=(env DNNL_MAX_CPU_ISA=AVX2 MKL_ENABLE_INSTRUCTIONS=AVX2 ATEN_CPU_CAPABILITY=avx2)
  else
    kenv=(env -u OPENBLAS_CORETYPE)
    penv=(env)
  fi
  sgemm() { "${kenv[@]}" "$KELVIN" bench-train --sgemm --threads "$THREADS"; }
  s=$(sgemm)
  core=$(sed -n 's/.*core=\([A-Za-z0-9]*\).*/\1/p' <<<"$s")
  peak=$(sed -n 's/.*sgemm_gflops=\([0-9.]*\).*/\1/p' <<<"$s")
  isa_rows=()
  for config in small imagenet; do
    # ROUNDS rounds of Kelvin then PyTorch; the best of each (the machine's speed drifts).
    k_img=0; p_img=NA
    for _ in $(seq "$ROUNDS"); do
      k=$("${kenv[@]}" "$KELVIN" bench-train --config "$config" --steps "$STEPS" --threads "$THREADS")
      img=$(sed -n 's/.*img_s=\([0-9.]*\).*/\1/p' <<<"$k")
      if python3 -c "import sys; sys.exit(not $img > $k_img)"; then
        k_img=$img; k_rss=$(sed -n 's/.*peak_rss_mb=\([0-9.]*\).*/\1/p' <<<"$k")
      fi
      if p=$("${penv[@]}" "$PY" bench/train_pytorch.py "$config" "$STEPS" "$THREADS" 2>/dev/null); then
        img=$(sed -n 's/.*img_s=\([0-9.]*\).*/\1/p' <<<"$p")
        p_img=$(python3 -c "print($img if '$p_img' == 'NA' else max($img, $p_img))")
      fi
    done
    ratio=NA
    [ "$p_img" = NA ] || ratio=$(python3 -c "print(f'{$k_img / $p_img:.3f}')")
    case $config in small) name="resnet18-small-1x28x28-b128";; *) name="resnet18-imagenet-3x224x224-b16";; esac
    flop=$(python3 bench/resnet_flops.py "$config" | sed -n 's/.*=\([0-9.]*\)/\1/p')
    gflops=$(python3 -c "print(f'{$k_img * $flop:.1f}')")
    isa_rows+=("$name,$isa,$core,$k_img,$p_img,$ratio,$k_rss,$gflops")
  done
  again=$(sgemm | sed -n 's/.*sgemm_gflops=\([0-9.]*\).*/\1/p')
  peak=$(python3 -c "print(max($peak, $again))")
  for row in "${isa_rows[@]}"; do
    gflops=${row##*,}
    pct=$(python3 -c "print(f'{100 * $gflops / $peak:.1f}')")
    echo "$row,$peak,$pct" | tee -a "$OUT"
  done
done
