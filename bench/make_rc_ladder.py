#!/usr/bin/env python3
"""Writes the transient benchmark deck: an N-section RC ladder driven by a pulse, with .tran.

usage: python3 bench/make_rc_ladder.py [N] > rc_ladder_N.cir      (N = 1000 by default)

Section k: R = 10 ohm from node k-1 to node k, C = 1 nF from node k to ground (tau = 10 ns per
section, about N^2 * 10 ns end to end). The input steps 0 -> 1 V at 1 us (rise 100 ns) and is
simulated for 200 us with .tran 0.5u 200u.
"""
import sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
print(f"rc_ladder_{n}_pulse: {n}-section RC ladder, pulse input, .tran (Kelvin benchmark)")
print("VIN n0 0 PULSE(0 1 1u 100n 100n 1 2)")
for k in range(1, n + 1):
    print(f"R{k} n{k-1} n{k} 10")
    print(f"C{k} n{k} 0 1n")
print(".tran 0.5u 200u")
print(".end")
