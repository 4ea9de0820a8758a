#!/usr/bin/env bash
# Characterisation benchmark: `kelvin characterize log_multiplier` on a 41 x 41 grid (no Monte
# Carlo, no transient) against ngspice running the same 1681 DC points, in the same run.
#
# usage: bench/characterize.sh KELVIN_BINARY      (BENCH_REPS=N repetitions, default 5)
#
# Grid: x = VX 0.5 ... 10 V (41 points, outer), w = VY 1 ... 10 V (41 points, inner).
# Commands timed in turn (median wall time, bench/time_command.py; process start to exit):
#   kelvin            KELVIN characterize log_multiplier --input VX=0.5:10:41 --input VY=1:10:41
#                     --no-dynamics --out T.lut   (41 rows of one .dc over w each, rows on all cores;
#                     includes the separable fit and writing the table)
#   kelvin_1core      the same under `taskset -c 0` (one core, as ngspice uses), when taskset exists
#   ngspice_nested    one deck, one nested `.dc VY 1 10 0.225 VX 0.5 10 0.2375` (VY inner),
#                     binary rawfile written (-r): ngspice's fastest form, the reference
#   ngspice_loop      one deck, a .control `foreach` over the 41 x values: `alter vx dc = $x`,
#                     `dc VY 1 10 0.225` (one .dc per x value, results kept in memory; `quit 0`,
#                     as batch ngspice otherwise exits 1 after a .control section)
#   ngspice_41decks   41 decks, one `.dc VY` each, 41 ngspice processes (rawfile each)
# Every ngspice form continues Newton from the previous point within a .dc, as Kelvin does.
# ratio = kelvin_s / ngspice_s of the fastest ngspice form (ngspice_nested); target <= 1.
# Output: bench/results/characterize.csv (form,seconds,kelvin_ratio) and the table on stdout.
set -euo pipefail

KELVIN=${1:?usage: bench/characterize.sh KELVIN_BINARY}
case "$KELVIN" in /*) ;; *) KELVIN="$PWD/$KELVIN" ;; esac
REPS=${BENCH_REPS:-5}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
RESULTS="$ROOT/bench/results"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
command -v ngspice >/dev/null || { echo "error: ngspice is not installed" >&2; exit 1; }

# The ngspice decks: the cell's netlist with its .dc replaced (the op-amp library next to them).
cp "$ROOT/netlists/opamp.lib" "$WORK/"
mkdir -p "$WORK/rows"
cp "$ROOT/netlists/opamp.lib" "$WORK/rows/"
python3 - "$ROOT/netlists/log_multiplier.cir" "$WORK" <<'PY'
import sys
src, work = sys.argv[1], sys.argv[2]
lines = [l for l in open(src).read().splitlines() if not l.lower().startswith((".dc", ".end"))]
base = "\n".join(lines) + "\n"
if "VX x 0 DC 1" not in base:
    sys.exit(f"{src}: expected the line 'VX x 0 DC 1'")
xs = [0.5 + k * 9.5 / 40 for k in range(41)]
open(f"{work}/nested.cir", "w").write(base + ".dc VY 1 10 0.225 VX 0.5 10 0.2375\n.end\n")
loop = " ".join("%.12g" % x for x in xs)
open(f"{work}/loop.cir", "w").write(
    base + ".control\nforeach xv " + loop + "\n  alter vx dc = $xv\n  dc VY 1 10 0.225\nend\nquit 0\n.endc\n.end\n")
for i, x in enumerate(xs):
    open(f"{work}/rows/row{i:02d}.cir", "w").write(
        base.replace("VX x 0 DC 1", "VX x 0 DC %.12g" % x) + ".dc VY 1 10 0.225\n.end\n")
PY
cat > "$WORK/rows.sh" <<'SH'
#!/usr/bin/env bash
set -e
for f in "$1"/row*.cir; do ngspice -b -r "$1/r.raw" "$f" > /dev/null 2>&1; done
SH

cd "$ROOT"
KARGS=(characterize log_multiplier --cells "$ROOT/netlists" --input VX=0.5:10:41 --input VY=1:10:41 --no-dynamics --quiet)
ONE_CORE=(true)   # without taskset the one-core form is not timed (a placeholder keeps the order)
command -v taskset >/dev/null && ONE_CORE=(taskset -c 0 "$KELVIN" "${KARGS[@]}" --out "$WORK/m1.lut")
mapfile -t t < <(python3 "$ROOT/bench/time_command.py" "$REPS" "$KELVIN" "${KARGS[@]}" --out "$WORK/m.lut" \
    ::: "${ONE_CORE[@]}" \
    ::: --cwd="$WORK" ngspice -b -r "$WORK/nested.raw" nested.cir \
    ::: --cwd="$WORK" ngspice -b loop.cir \
    ::: bash "$WORK/rows.sh" "$WORK/rows" || true)
k=${t[0]:-fail} k1=${t[1]:-fail} n=${t[2]:-fail} l=${t[3]:-fail} r=${t[4]:-fail}
command -v taskset >/dev/null || k1=fail

mkdir -p "$RESULTS"
CSV="$RESULTS/characterize.csv"
python3 - "$CSV" "$k" "$k1" "$n" "$l" "$r" <<'PY'
import sys
path, k, k1, n, l, r = sys.argv[1:]
rows = [("kelvin", k), ("kelvin_1core", k1), ("ngspice_nested", n), ("ngspice_loop", l), ("ngspice_41decks", r)]
def ratio(a, b):
    return "%.3f" % (float(a) / float(b)) if "fail" not in (a, b) and float(b) > 0 else "n/a"
with open(path, "w") as f:
    f.write("form,seconds,kelvin_ratio\n")
    for name, s in rows:
        f.write(f"{name},{s},{ratio(k, s) if name.startswith('ngspice') else ''}\n")
print("log_multiplier 41x41 DC grid (1681 points), median wall time:")
for name, s in rows:
    print(f"  {name:16s} {s:>10s} s" + (f"   kelvin/this = {ratio(k, s)}" if name.startswith("ngspice") else ""))
print(f"ratio (kelvin / fastest ngspice form, ngspice_nested) = {ratio(k, n)}; target <= 1")
PY
echo "(median of $REPS runs each; written to bench/results/characterize.csv)"
