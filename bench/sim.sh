#!/usr/bin/env bash
# Simulator benchmark: Kelvin vs ngspice on the same decks, median wall time of each.
#
# usage: bench/sim.sh KELVIN_BINARY          (BENCH_REPS=N to change the repetitions, default 5)
#
# Decks: every golden fixture Tests/Fixtures/*.cir, every cell deck netlists/*.cir (the op-amp,
# log/antilog, rectifier ... cells; the two scale decks among them are timed with the scale decks),
# plus the scale decks generated here:
#   ladder_200, ladder_1000   N-node resistor/diode ladder, 201-point .dc sweep (bench/make_ladder.py)
#   crossbar_32x32            netlists/crossbar_32x32.cir, the issue's deck (.op, 21-point .dc)
#   rc_ladder_1000            netlists/rc_ladder_1000.cir, the issue's deck (.tran)
#   crossbar_32x32_dc201      32x32 crossbar + 32 op-amp TIAs, .op and a 201-point .dc sweep of one
#                             input (bench/make_crossbar.py, netlists/opamp.lib)
#   rc_ladder_1000_pulse      1000-section RC ladder, pulse input, .tran (bench/make_rc_ladder.py)
# Commands timed (both write their results, so both do the same work):
#   kelvin:  KELVIN sim DECK --out TMPDIR
#   ngspice: ngspice -b -r TMPDIR/out.raw DECK     (binary rawfile)
# Kelvin and ngspice run in turn on each deck: once to warm up, then BENCH_REPS rounds (fewer
# when slow, see bench/time_command.py);
# the median wall time (python's time.perf_counter, process start to exit) is reported.
# ratio = kelvin_s / ngspice_s.
# Also the median CPU time (user + system) of each: on the shared machine under load the wall
# time includes waiting for a core, which pulls every ratio towards 1.
# Output: bench/results/sim.csv (deck,kelvin_s,ngspice_s,ratio,kelvin_cpu_s,ngspice_cpu_s,cpu_ratio)
# and the table on stdout.
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
python3 "$ROOT/bench/make_ladder.py" 1000 > "$WORK/ladder_1000.cir"
python3 "$ROOT/bench/make_crossbar.py" 32 "$ROOT/netlists/opamp.lib" > "$WORK/crossbar_32x32_dc201.cir"
python3 "$ROOT/bench/make_rc_ladder.py" 1000 > "$WORK/rc_ladder_1000_pulse.cir"
SCALE_DECKS="$WORK/ladder_200.cir $WORK/ladder_1000.cir"
for d in crossbar_32x32 rc_ladder_1000; do
    if [ -f "$ROOT/netlists/$d.cir" ]; then SCALE_DECKS="$SCALE_DECKS $ROOT/netlists/$d.cir"; fi
done
SCALE_DECKS="$SCALE_DECKS $WORK/crossbar_32x32_dc201.cir $WORK/rc_ladder_1000_pulse.cir"
mkdir -p "$RESULTS"
CSV="$RESULTS/sim.csv"
echo "deck,kelvin_s,ngspice_s,ratio,kelvin_cpu_s,ngspice_cpu_s,cpu_ratio" > "$CSV"

# BENCH_SCALE_ONLY=1 times only the scale decks.
FIXTURES=("$ROOT"/Tests/Fixtures/*.cir)
for deck in "$ROOT"/netlists/*.cir; do
    case "$(basename "$deck" .cir)" in crossbar_32x32 | rc_ladder_1000) ;; *) FIXTURES+=("$deck") ;; esac
done
if [ "${BENCH_SCALE_ONLY:-0}" = 1 ]; then FIXTURES=(); fi
for deck in "${FIXTURES[@]}" $SCALE_DECKS; do
    name=$(basename "$deck" .cir)
    mapfile -t t < <(TIME_COMMAND_CPU=1 python3 "$ROOT/bench/time_command.py" "$REPS" "$KELVIN" sim "$deck" --out "$WORK/kelvin_out" \
        ::: ngspice -b -r "$WORK/out.raw" "$deck" || true)
    read -r k kc <<< "${t[0]:-fail fail}"
    read -r n nc <<< "${t[1]:-fail fail}"
    ratios=$(python3 -c "
import sys
def r(a, b): return '%.3f' % (float(a) / float(b)) if 'fail' not in (a, b) and float(b) > 0 else 'n/a'
k, n, kc, nc = sys.argv[1:]
print(r(k, n) + ' ' + r(kc, nc))" "$k" "$n" "${kc:-fail}" "${nc:-fail}")
    read -r ratio cpu_ratio <<< "$ratios"
    echo "$name,$k,$n,$ratio,${kc:-fail},${nc:-fail},$cpu_ratio" >> "$CSV"
done

# The median ratio over the fixtures and cell decks (the small-deck target of issue 13: <= 0.5).
python3 - "$CSV" "${#FIXTURES[@]}" <<'PY'
import csv, statistics, sys
rows = list(csv.reader(open(sys.argv[1])))[1:1 + int(sys.argv[2])]
for column, what in ((3, "wall time"), (6, "CPU time")):
    ratios = [float(r[column]) for r in rows if r[column] not in ("n/a", "fail")]
    if ratios:
        print("median kelvin/ngspice %s over %d fixtures and cell decks: %.3f"
              % (what, len(ratios), statistics.median(ratios)))
PY

python3 - "$CSV" <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1])))
widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
for r in rows:
    print("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))))
PY
echo "(median of $REPS runs each; written to bench/results/sim.csv)"
