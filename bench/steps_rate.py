#!/usr/bin/env python3
"""Steady-state images/s of a `kelvin train` run from its steps.csv.

`images_per_s` is cumulative over the epoch (images seen / seconds spent in steps), so the time of
step k is seen_k/rate_k − seen_{k−1}/rate_{k−1}, seen_k = k·batch with a constant batch; the result
is batch / the median step time over the steps after the first SKIP (warm-up).
Usage: steps_rate.py RUNDIR/steps.csv SKIP BATCH
"""
import csv
import statistics
import sys

rows = list(csv.DictReader(open(sys.argv[1])))
skip = int(sys.argv[2])
batch = int(sys.argv[3])
elapsed = [(i + 1) * batch / float(r["images_per_s"]) for i, r in enumerate(rows)]
steps = [b - a for a, b in zip([0.0] + elapsed, elapsed)][skip:]
print(f"{batch / statistics.median(steps):.2f}")
