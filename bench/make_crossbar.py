#!/usr/bin/env python3
"""Writes the crossbar benchmark deck: an N x N resistive crossbar read out by N op-amp
transimpedance amplifiers (netlists/opamp.lib's OPAMP), with an .op and a .dc sweep of one input.

usage: python3 bench/make_crossbar.py [N] [OPAMP_LIB] > crossbar_N.cir   (N = 32 by default;
       OPAMP_LIB defaults to netlists/opamp.lib next to this script, written as an absolute path)

Column j is driven by VXj (DC between -0.5 and 0.5 V); the resistor Rij (10k..100k, seeded
pseudo-random) joins column j to row i; row i is the virtual ground of op-amp i with feedback
RFi = 1k, so y_i = -RF * sum_j x_j / Rij (|y_i| < 2 V, well inside the op-amp's +/-12 V).
Analyses: .op, then .dc VX1 -1 1 0.01 (201 points).
"""
import os
import random
import sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 32
here = os.path.dirname(os.path.abspath(__file__))
lib = os.path.abspath(sys.argv[2]) if len(sys.argv) > 2 else os.path.join(here, "..", "netlists", "opamp.lib")
lib = os.path.normpath(lib)
rng = random.Random(1234)
print(f"crossbar_{n}x{n}_dc201: {n}x{n} resistive crossbar with {n} op-amp transimpedance amplifiers (Kelvin benchmark)")
print(f".include {lib}")
for j in range(1, n + 1):
    print(f"VX{j} x{j} 0 DC {rng.uniform(-0.5, 0.5):.4f}")
for i in range(1, n + 1):
    for j in range(1, n + 1):
        print(f"R{i}_{j} x{j} r{i} {rng.uniform(10, 100):.3f}k")
for i in range(1, n + 1):
    print(f"XA{i} 0 r{i} y{i} OPAMP")
    print(f"RF{i} r{i} y{i} 1k")
print(".op")
print(".dc VX1 -1 1 0.01")
print(".end")
