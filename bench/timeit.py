#!/usr/bin/env python3
"""Median wall time of a command: python3 bench/timeit.py REPS CMD [ARGS...]

Runs CMD once to warm up (file cache, dynamic loader), then REPS times, and prints the
median wall time in seconds ("%.6f"). Prints "fail" and exits 1 if any run fails.
"""
import statistics
import subprocess
import sys
import time

reps = int(sys.argv[1])
cmd = sys.argv[2:]
times = []
for k in range(reps + 1):
    start = time.perf_counter()
    proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        print("fail")
        sys.exit(1)
    if k > 0:
        times.append(elapsed)
print("%.6f" % statistics.median(times))
