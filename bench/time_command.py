#!/usr/bin/env python3
"""Median wall times of commands timed in turn:

    python3 bench/time_command.py REPS CMD [ARGS...] [::: CMD [ARGS...]]...

A command may start with --cwd=DIR to run in DIR. One warm-up round (file cache, dynamic loader),
then REPS rounds, each running every command once in the order given, so that a drift in the
machine's speed (on the shared 2-core machine: up to 30 % within an hour) falls on all of them
alike instead of on whichever ran last. Prints one median wall time in seconds ("%.6f") per
command, one per line, or "fail" for a command that failed (it is not run again). With
TIME_COMMAND_CPU=1 each line also gives the median CPU time (user + system, from wait4) after
the wall time: on a loaded machine the wall time includes waiting for a core, the CPU time does not.
Slow rounds get fewer repetitions: at most as many as fit in BENCH_BUDGET_S seconds per command
(default 20) judged from the warm-up round, and at least one.
"""
import os
import statistics
import subprocess
import sys
import time


def parse(argv):
    commands, current = [], []
    for arg in argv:
        if arg == ":::":
            commands.append(current)
            current = []
        else:
            current.append(arg)
    commands.append(current)
    parsed = []
    for cmd in commands:
        cwd = None
        if cmd and cmd[0].startswith("--cwd="):
            cwd, cmd = cmd[0][len("--cwd="):], cmd[1:]
        if not cmd:
            sys.exit("time_command.py: empty command")
        parsed.append((cmd, cwd))
    return parsed


def run(cmd, cwd):
    """Wall time, CPU time (user + system) and success of one run."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    return elapsed, usage.ru_utime + usage.ru_stime, proc.returncode == 0


def main():
    reps = int(sys.argv[1])
    commands = parse(sys.argv[2:])
    budget = float(os.environ.get("BENCH_BUDGET_S", "20")) * len(commands)
    failed = [False] * len(commands)
    times = [[] for _ in commands]
    cpu_times = [[] for _ in commands]
    warm = 0.0
    for i, (cmd, cwd) in enumerate(commands):
        elapsed, _, ok = run(cmd, cwd)
        failed[i] = not ok
        warm += elapsed
    reps = max(1, min(reps, int(budget / max(warm, 1e-9))))
    for _ in range(reps):
        for i, (cmd, cwd) in enumerate(commands):
            if failed[i]:
                continue
            elapsed, cpu, ok = run(cmd, cwd)
            failed[i] = not ok
            times[i].append(elapsed)
            cpu_times[i].append(cpu)
    with_cpu = os.environ.get("TIME_COMMAND_CPU") == "1"
    for i in range(len(commands)):
        if failed[i]:
            print("fail")
        elif with_cpu:
            print("%.6f %.6f" % (statistics.median(times[i]), statistics.median(cpu_times[i])))
        else:
            print("%.6f" % statistics.median(times[i]))


main()
