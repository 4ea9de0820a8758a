#!/usr/bin/env bash
# Regenerates the checked-in lookup tables (format v2 golden files) from the cells in netlists/.
# usage: Tests/Fixtures/tables/regenerate.sh [KELVIN_BINARY]   (default .build/release/kelvin)
# LookupTableFixtureTests reads them: they must stay readable by every later Kelvin that reads v2.
# v1/*.lut are format-v1 files written before v2 (summing_amplifier, log_multiplier): never
# regenerate them; they check that the reader still loads version 1.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../../.." && pwd)
KELVIN=${1:-$ROOT/.build/release/kelvin}
cd "$ROOT"
"$KELVIN" characterize summing_amplifier --out Tests/Fixtures/tables/summing_amplifier.lut --mc 50 --tolerance 'R=1%' --seed 1 --quiet
"$KELVIN" characterize log_converter --out Tests/Fixtures/tables/log_converter.lut --mc 50 --tolerance 'R=1%,IS=5%' --seed 1 --quiet
"$KELVIN" characterize log_multiplier --out Tests/Fixtures/tables/log_multiplier.lut --mc 50 --tolerance 'R=0.1%,IS=1%' --seed 1 --quiet
"$KELVIN" characterize log_divider --out Tests/Fixtures/tables/log_divider.lut --mc 50 --tolerance 'R=0.1%,IS=1%' --seed 1 --quiet
