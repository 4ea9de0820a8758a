#!/usr/bin/env python3
"""Writes the large DC benchmark deck: an N-node resistor/diode ladder with a .dc sweep.

usage: python3 bench/make_ladder.py [N] > ladder_N.cir      (N = 200 by default)

Node k (1..N) is fed from node k-1 through 20 ohm and loaded by a diode to ground and
5 kohm to ground; the input source is swept 0..10 V in 50 mV steps (201 points).
"""
import sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 200
print(f"ladder_{n}: {n}-node resistor/diode ladder, .dc sweep (Kelvin benchmark)")
print("VIN n0 0 0")
for k in range(1, n + 1):
    print(f"RS{k} n{k-1} n{k} 20")
    print(f"D{k} n{k} 0 dl")
    print(f"RP{k} n{k} 0 5k")
print(".model dl D(IS=1e-14 N=1.5 RS=2)")
print(".dc VIN 0 10 0.05")
print(".end")
