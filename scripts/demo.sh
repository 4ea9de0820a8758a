#!/usr/bin/env bash
# Kelvin demo: simulate each analog computing cell in netlists/ and show what it computes.
#
# usage: scripts/demo.sh KELVIN_BINARY [--all]
#
# For every cell it runs `KELVIN sim CELL.cir --out DIR`, reads the CSVs Kelvin writes there
# (op1.csv, dc1.csv, tran1.csv, ac1.csv: scale, v(node)..., i(source)...) and prints the cell's
# ideal math next to what Kelvin computed (scripts/demo_cells.py). Needs only bash and python3.
#
# Cells whose simulator features are not in main yet are listed, not run. To switch them on,
# add the feature to FEATURES below when it lands (or run with --all, or set KELVIN_FEATURES):
#   tran    .tran with PULSE/SIN/PWL sources, capacitors/inductors in time, .options method=gear
#   ac      .ac small-signal analysis
#   bjt     Q elements (Gummel-Poon)
#   mosfet  M elements (level 1)
#   switch  S elements (voltage-controlled switch)
#   sparse  the sparse LU (KLU): without it the 1000-section ladder takes about a minute
set -euo pipefail

FEATURES=${KELVIN_FEATURES:-"op dc tran ac bjt mosfet switch sparse"}

# cell                   features it needs
CELLS=(
  "summing_amplifier      dc"
  "log_converter          dc"
  "crossbar_4x4           op"
  "precision_rectifier    dc"
  "absolute_value         dc"
  "max_circuit            dc"
  "crossbar_32x32         op dc"
  "bjt_log_converter      dc bjt"
  "bjt_exp_converter      dc bjt"
  "log_multiplier         dc bjt"
  "log_divider            dc bjt"
  "nmos_vcr_amplifier     dc mosfet"
  "resistor               dc"
  "integrator_reset       tran switch"
  "differentiator         tran ac"
  "comparator             tran"
  "schmitt_trigger        tran"
  "relaxation_oscillator  tran"
  "sample_hold_weight     tran switch"
  "diode_bridge_filter    tran"
  "rc_ladder_1000         tran sparse"
)

KELVIN=${1:?usage: scripts/demo.sh KELVIN_BINARY [--all]}
if [ "${2:-}" = "--all" ]; then FEATURES="op dc tran ac bjt mosfet switch sparse"; fi
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

skipped=()
for entry in "${CELLS[@]}"; do
    read -r cell needs <<< "$entry"
    missing=""
    for feature in $needs; do
        [[ " $FEATURES " == *" $feature "* ]] || missing="$missing $feature"
    done
    if [ -n "$missing" ]; then
        skipped+=("$(printf '%-22s needs%s  -- %s' "$cell" "$missing" "$(sed -n 1p "$ROOT/netlists/$cell.cir" | cut -d: -f2- | sed 's/^ //')")")
        continue
    fi
    echo "== $cell ($(sed -n 1p "$ROOT/netlists/$cell.cir"))"
    if ! "$KELVIN" sim "$ROOT/netlists/$cell.cir" --out "$WORK/$cell" > "$WORK/$cell.log" 2>&1; then
        echo "   kelvin sim failed:"; sed 's/^/   /' "$WORK/$cell.log"; exit 1
    fi
    python3 "$ROOT/scripts/demo_cells.py" "$cell" "$ROOT/netlists/$cell.cir" "$WORK/$cell"
    echo
done

if [ ${#skipped[@]} -gt 0 ]; then
    echo "== not run yet (simulator features not in main; see FEATURES in scripts/demo.sh):"
    printf '   %s\n' "${skipped[@]}"
fi

# Characterisation: every cell whose netlist declares `* characterize:` (1-D cells, the 2-D
# log_multiplier, log_divider and nmos_vcr_amplifier, and sample_hold_weight with its droop τ)
# becomes a lookup table with
# 200 Monte Carlo instances (1 % resistors, 5 % diode IS; 0.1 % and 1 % for the log-antilog cells),
# and `--show` plots it beside its ideal (2-D cells: a family of curves z(x) for five w values).
# Tables and plots go to ${KELVIN_TABLES:-tables}/ (regenerate: the same commands).
TABLES=${KELVIN_TABLES:-$ROOT/tables}
mkdir -p "$TABLES"
for deck in "$ROOT"/netlists/*.cir; do
    cell=$(basename "$deck" .cir)
    grep -qi '^\* *characterize:' "$deck" || continue
    echo "== characterize $cell"
    # The log-antilog multiplier/divider need matched parts: 1 % resistors in their log-domain
    # summers alone give ~25 % spread in the output, so they get a matched network and pairs.
    tolerance='R=1%,IS=5%'
    case "$cell" in log_multiplier|log_divider) tolerance='R=0.1%,IS=1%' ;; esac
    (cd "$ROOT" && "$KELVIN" characterize "$cell" --out "$TABLES/$cell.lut" --mc 200 --tolerance "$tolerance" --quiet)
    "$KELVIN" characterize --show "$TABLES/$cell.lut" | sed 's/^/   /'
    echo
done

# The compiler: a small CNN trained on Fashion-MNIST (one epoch, width 8) becomes op-amp netlists;
# its decks are verified per position in Kelvin's simulator and in ngspice, and three whole images
# run entirely as circuits (Docs/compiler.md).
echo "== compile: cnn (width 8) on Fashion-MNIST -> $WORK/cnn-circuits"
"$KELVIN" train --model cnn --width 8 --dataset fashion-mnist --epochs 1 --out "$WORK/cnn" --quiet | tail -1 | sed 's/^/   /'
"$KELVIN" compile --checkpoint "$WORK/cnn/last.ckpt" --out "$WORK/cnn-circuits" --images 3 --positions 2 --cells "$ROOT/netlists" | sed 's/^/   /'
"$KELVIN" verify "$WORK/cnn-circuits" --images 1 --ngspice | sed 's/^/   /'
"$KELVIN" verify "$WORK/cnn-circuits" --chain --images 3 | sed 's/^/   /'
