#!/usr/bin/env bash
# Simulator benchmark: Kelvin vs ngspice on the same decks, median wall time of each.
#
# usage: bench/sim.sh KELVIN_BINARY          (BENCH_REPS=N to change the repetitions, default 5)
#
# Decks: every golden fixture Tests/Fixtures/*.cir plus ladder_200, a 200-node resistor/diode
# ladder with a 201-point .dc sweep written by bench/make_ladder.py.
# Commands timed (both write their results, so both do the same work):
#   kelvin:  KELVIN sim DECK --out TMPDIR
#   ngspice: ngspice -b -r TMPDIR/out.raw DECK     (binary rawfile)
# Each is run once to warm up, then BENCH_REPS times (fewer when slow, see bench/timeit.py);
# the median wall time (python's time.perf_counter, process start to exit) is reported.
# ratio = kelvin_s / ngspice_s.
# Output: bench/results/sim.csv (deck,kelvin_s,ngspice_s,ratio) and the table on stdout.
# A deck Kelvin fails on is recorded as "fail" and does not stop the run.
set -euo pipefail

KELVIN=${1:?usage: bench/sim.sh KELVIN_BINARY}
case "$KELVIN" in /*) ;; *) KELVIN="$PWD/$KELVIN" ;; esac
REPS=${BENCH_REPS:-5}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
RESULTS="$ROOT/bench/results"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
command -v ngspice >/dev/null || { echo "error: ngspice is not installed" >&2; exit 1; }

python3 "$ROOT/bench/make_ladder.py" 200 > "$WORK/ladder_200.cir"
mkdir -p "$RESULTS"
CSV="$RESULTS/sim.csv"
echo "deck,kelvin_s,ngspice_s,ratio" > "$CSV"

for deck in "$ROOT"/Tests/Fixtures/*.cir "$WORK/ladder_200.cir"; do
    name=$(basename "$deck" .cir)
    k=$(python3 "$ROOT/bench/timeit.py" "$REPS" "$KELVIN" sim "$deck" --out "$WORK/kelvin_out" || true)
    n=$(python3 "$ROOT/bench/timeit.py" "$REPS" ngspice -b -r "$WORK/out.raw" "$deck" || true)
    ratio=$(python3 -c "import sys; k, n = sys.argv[1:]; print('%.3f' % (float(k) / float(n)) if 'fail' not in (k, n) and float(n) > 0 else 'n/a')" "$k" "$n")
    echo "$name,$k,$n,$ratio" >> "$CSV"
done

python3 - "$CSV" <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1])))
widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
for r in rows:
    print("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))))
PY
echo "(median of $REPS runs each; written to bench/results/sim.csv)"
