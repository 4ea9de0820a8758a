#!/usr/bin/env bash
# Runs every benchmark script present: bench/sim.sh (simulator vs ngspice), bench/characterize.sh
# (characterising the 41x41 multiplier vs ngspice), bench/analog.sh (analog profiles vs digital
# training), bench/mpi.sh (data-parallel training on 1 and 2 MPI ranks), bench/loader.sh (the
# ImageFolder loader against the training step), bench/train.sh (the training step vs PyTorch),
# bench/train_command.sh (`kelvin train` vs PyTorch's same recipe; PyTorch comes from
# bench/python.sh) and bench/aihwkit.sh (analog-aware training against IBM aihwkit's
# InferenceRPUConfig). Results go to bench/results/*.csv.
#
# usage: bench/run.sh KELVIN_BINARY
set -euo pipefail

KELVIN=${1:?usage: bench/run.sh KELVIN_BINARY}
HERE=$(cd "$(dirname "$0")" && pwd)
status=0
for script in sim.sh characterize.sh compile.sh train.sh train_command.sh loader.sh analog.sh aihwkit.sh mpi.sh; do
    if [ -f "$HERE/$script" ]; then
        echo "== bench/$script"
        bash "$HERE/$script" "$KELVIN" || { echo "bench/$script failed" >&2; status=1; }
        echo
    fi
done
exit $status
