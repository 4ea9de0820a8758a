#!/usr/bin/env bash
# Kelvin demo: simulate each analog computing cell in netlists/ and show what it computes.
#
# usage: scripts/demo.sh KELVIN_BINARY
#
# For every cell it runs `KELVIN sim CELL.cir --out DIR`, reads the CSV Kelvin writes there
# (header: scale, v(node)..., i(source)...) and compares the output with the cell's ideal math.
# Needs only bash and python3.
set -euo pipefail

KELVIN=${1:?usage: scripts/demo.sh KELVIN_BINARY}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

for cell in summing_amplifier log_converter crossbar_4x4; do
    echo "== $cell ($(sed -n 1p "$ROOT/netlists/$cell.cir"))"
    if ! "$KELVIN" sim "$ROOT/netlists/$cell.cir" --out "$WORK/$cell" > "$WORK/$cell.log" 2>&1; then
        echo "   kelvin sim failed:"; sed 's/^/   /' "$WORK/$cell.log"; exit 1
    fi
    python3 - "$cell" "$ROOT/netlists/$cell.cir" "$WORK/$cell" <<'PY'
import csv, glob, math, os, re, sys

cell, deck, outdir = sys.argv[1:4]

def spice_number(text):
    """'10k' -> 1e4, '1meg' -> 1e6, '-2' -> -2 (SPICE suffixes, case-insensitive)."""
    m = re.fullmatch(r"([-+]?[0-9.]+(?:e[-+]?\d+)?)(meg|[tgkmunpf])?[a-z]*", text.lower())
    scale = {"t": 1e12, "g": 1e9, "meg": 1e6, "k": 1e3, "m": 1e-3, "u": 1e-6, "n": 1e-9, "p": 1e-12, "f": 1e-15}
    return float(m.group(1)) * scale.get(m.group(2), 1.0)

def element_values():
    """Name -> value for the R and V cards of the deck (value = last token, 'DC x' allowed)."""
    values = {}
    for line in open(deck):
        tokens = line.split()
        if len(tokens) >= 4 and tokens[0][0].lower() in "rv" and not line.startswith("*"):
            values[tokens[0].lower()] = spice_number(tokens[-1])
    return values

def load(kind):
    """The CSV of the first analysis of this kind Kelvin wrote ('dc' or 'op') as columns."""
    files = sorted(glob.glob(os.path.join(outdir, f"*{kind}1*.csv"))) or sorted(glob.glob(os.path.join(outdir, "*.csv")))
    if not files:
        sys.exit(f"   no CSV in {outdir}")
    rows = list(csv.reader(open(files[0])))
    return {name: [float(r[i]) for r in rows[1:]] for i, name in enumerate(rows[0])}

val = element_values()
if cell == "summing_amplifier":
    w = [val["rf"] / val[r] for r in ("r1", "r2", "r3")]
    v2, v3 = val["v2"], val["v3"]
    print(f"   vout = -(w1*v1 + w2*v2 + w3*v3), weights RF/Ri = {w[0]:g}, {w[1]:g}, {w[2]:g}")
    print(f"   v2 = {v2:g} V, v3 = {v3:g} V fixed, v1 swept; op-amp clamps near +/-12 V")
    d = load("dc")
    print("      v1 [V]    vout [V]   ideal [V]")
    for v1, vout in zip(d["v-sweep"], d["v(out)"]):
        if abs(v1) in (15, 10, 5, 0) or v1 in (2.5, -2.5):
            ideal = -(w[0] * v1 + w[1] * v2 + w[2] * v3)
            note = "  (clamped)" if abs(ideal) > 12 else ""
            print(f"   {v1:8.2f} {vout:11.5f} {ideal:11.5f}{note}")
elif cell == "log_converter":
    vt = 1.380649e-23 * 300.15 / 1.602176634e-19
    isat = spice_number(re.search(r"\bis=([^\s)]+)", open(deck).read().lower()).group(1))
    rin = val["rin"]
    print(f"   vout = -Vt*ln(vin/(R*IS)), R = {rin:g} ohm, IS = {isat:g} A, Vt = {vt*1e3:.3f} mV")
    d = load("dc")
    print("     vin [V]    vout [V]   ideal [V]")
    shown = []
    for vin, vout in zip(d["v-sweep"], d["v(out)"]):
        if any(abs(vin - 10.0 ** k) < 1e-9 * 10.0 ** k for k in range(-3, 2)):
            print(f"   {vin:9.3g} {vout:11.5f} {-vt * math.log(vin / (rin * isat)):11.5f}")
            shown.append((vin, vout))
    (v0, y0), (v1, y1) = shown[0], shown[-1]
    slope = (y1 - y0) / math.log10(v1 / v0) * 1e3
    print(f"   mean slope {slope:.2f} mV/decade (ideal {-vt * math.log(10) * 1e3:.2f}; diode RS = 1 ohm adds -RS*iin)")
elif cell == "crossbar_4x4":
    rf = val["rf1"]
    x = [val[f"vx{j}"] for j in range(1, 5)]
    g = [[1.0 / val[f"r{i}{j}"] for j in range(1, 5)] for i in range(1, 5)]
    d = load("op")
    print("   y = -RF*G*x with RF*G =")
    for row in g:
        print("     [" + " ".join(f"{rf * gij:5.2f}" for gij in row) + " ]")
    print("   x = [" + " ".join(f"{xj:g}" for xj in x) + "] V")
    print("        y [V]    ideal [V]")
    for i in range(4):
        ideal = -rf * sum(g[i][j] * x[j] for j in range(4))
        print(f"   y{i+1} {d[f'v(y{i+1})'][0]:9.5f} {ideal:10.5f}")
PY
    echo
done

# Characterisation: every cell whose netlist declares `* characterize:` becomes a lookup table with
# 200 Monte Carlo instances (1 % resistors, 5 % diode IS), and `--show` plots it beside its ideal.
# Tables and plots go to ${KELVIN_TABLES:-tables}/ (regenerate: the same commands).
TABLES=${KELVIN_TABLES:-$ROOT/tables}
mkdir -p "$TABLES"
for deck in "$ROOT"/netlists/*.cir; do
    cell=$(basename "$deck" .cir)
    grep -qi '^\* *characterize:' "$deck" || continue
    echo "== characterize $cell"
    (cd "$ROOT" && "$KELVIN" characterize "$cell" --out "$TABLES/$cell.lut" --mc 200 --tolerance 'R=1%,IS=5%' --quiet)
    "$KELVIN" characterize --show "$TABLES/$cell.lut" | sed 's/^/   /'
    echo
done
