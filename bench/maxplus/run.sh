#!/bin/sh
# Builds the max-plus micro-benchmark (release) against this checkout and runs it; REPS=N sets
# the repetitions. To compare revisions, copy bench/maxplus into a checkout of the other revision
# and run it there, in turn with this one.
set -e
cd "$(dirname "$0")"
swift build -c release --product maxplus-bench >/dev/null
.build/release/maxplus-bench
