#!/usr/bin/env bash
# Prints the path of a python3 that imports torch and numpy (the PyTorch peer of the training
# benchmarks): $KELVIN_BENCH_PYTHON when set, else python3 on PATH when it has both, else the
# virtual environment .build/bench-venv, made on first use with torch from a local wheel directory
# (PIP_FIND_LINKS, or /opt/wheels when it holds a torch wheel: a CPU build) or else from PyPI.
# Prints nothing (and exits 0) when no such python can be had: the benchmarks then report NA.
set -uo pipefail
cd "$(dirname "$0")/.."
has() { "$1" -c 'import torch, numpy' >/dev/null 2>&1; }
if [ -n "${KELVIN_BENCH_PYTHON:-}" ]; then echo "$KELVIN_BENCH_PYTHON"; exit 0; fi
if has python3; then command -v python3; exit 0; fi
venv=.build/bench-venv
if [ -x $venv/bin/python3 ] && has $venv/bin/python3; then echo "$PWD/$venv/bin/python3"; exit 0; fi
python3 -m venv $venv >&2 || exit 0
links=${PIP_FIND_LINKS:-}
[ -z "$links" ] && ls /opt/wheels/torch-*.whl >/dev/null 2>&1 && links=/opt/wheels
echo "bench: installing the PyTorch peer into $venv${links:+ (torch from $links)}" >&2
wheel=$(ls "${links:-/nonexistent}"/torch-*.whl 2>/dev/null | sort -V | tail -1)
if [ -n "$wheel" ]; then
    # The wheel itself (its dependencies from the index): --find-links would let a newer PyPI build win.
    $venv/bin/pip install -q "$wheel" numpy >&2 || $venv/bin/pip install -q torch numpy >&2
else
    $venv/bin/pip install -q torch numpy >&2
fi
has $venv/bin/python3 && echo "$PWD/$venv/bin/python3"
exit 0
