#!/usr/bin/env python3
"""Median wall time of a command: python3 bench/time_command.py REPS CMD [ARGS...]

Runs CMD once to warm up (file cache, dynamic loader), then REPS times, and prints the
median wall time in seconds ("%.6f"). Prints "fail" and exits 1 if any run fails.
Slow commands get fewer repetitions: at most as many as fit in BUDGET seconds (env
BENCH_BUDGET_S, default 20) judged from the warm-up run, and at least one.
"""
import os
import statistics
import subprocess
import sys
import time

reps = int(sys.argv[1])
cmd = sys.argv[2:]
budget = float(os.environ.get("BENCH_BUDGET_S", "20"))
times = []
k = 0
while k <= reps:
    start = time.perf_counter()
    proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        print("fail")
        sys.exit(1)
    if k == 0:
        reps = max(1, min(reps, int(budget / max(elapsed, 1e-9))))
    else:
        times.append(elapsed)
    k += 1
print("%.6f" % statistics.median(times))
