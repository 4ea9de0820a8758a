#!/usr/bin/env python3
"""Prints what one analog computing cell computes, from the CSVs `kelvin sim --out DIR` wrote.

usage: python3 scripts/demo_cells.py CELL DECK.cir DIR      (called by scripts/demo.sh)

Each report prints the cell's ideal math (from the deck header) next to Kelvin's numbers.
"""
import csv
import glob
import math
import os
import re
import sys

VT = 1.380649e-23 * 300.15 / 1.602176634e-19  # kT/q at 27 C

cell, deck, outdir = sys.argv[1:4]


def spice_number(text):
    """'10k' -> 1e4, '1meg' -> 1e6, '-2' -> -2 (SPICE suffixes, case-insensitive)."""
    m = re.fullmatch(r"([-+]?[0-9.]+(?:e[-+]?\d+)?)(meg|[tgkmunpf])?[a-z]*", text.lower())
    scale = {"t": 1e12, "g": 1e9, "meg": 1e6, "k": 1e3, "m": 1e-3, "u": 1e-6, "n": 1e-9, "p": 1e-12, "f": 1e-15}
    return float(m.group(1)) * scale.get(m.group(2), 1.0)


def element_values():
    """Name -> value for the R, C and DC V cards of the deck (value = 4th token, 'DC x' allowed)."""
    values = {}
    for line in open(deck):
        tokens = line.split()
        if len(tokens) < 4 or line.startswith("*") or tokens[0][0].lower() not in "rcv":
            continue
        value = tokens[4] if tokens[3].lower() == "dc" and len(tokens) > 4 else tokens[3]
        try:
            values[tokens[0].lower()] = spice_number(value)
        except (AttributeError, ValueError):
            pass
    return values


def load(kind):
    """The CSV Kelvin wrote for the first analysis of this kind ('op', 'dc', 'tran', 'ac') as columns."""
    path = os.path.join(outdir, f"{kind}1.csv")
    if not os.path.exists(path):
        files = sorted(glob.glob(os.path.join(outdir, f"*{kind}1*.csv")))
        if not files:
            sys.exit(f"   no {kind}1 CSV in {outdir}")
        path = files[0]
    rows = list(csv.reader(open(path)))
    return {name: [float(r[i]) for r in rows[1:]] for i, name in enumerate(rows[0])}


def at(d, name, t):
    """Linear interpolation of column `name` at time t."""
    ts, ys = d["time"], d[name]
    for k in range(1, len(ts)):
        if ts[k] >= t:
            f = (t - ts[k - 1]) / (ts[k] - ts[k - 1]) if ts[k] > ts[k - 1] else 1.0
            return ys[k - 1] + f * (ys[k] - ys[k - 1])
    return ys[-1]


def crossings(d, name, level, rising):
    ts, ys = d["time"], d[name]
    out = []
    for k in range(1, len(ts)):
        a, b = ys[k - 1] - level, ys[k] - level
        if (a < 0 <= b) if rising else (a > 0 >= b):
            out.append(ts[k - 1] + (ts[k] - ts[k - 1]) * a / (a - b))
    return out


val = element_values()

if cell == "summing_amplifier":
    w = [val["rf"] / val[r] for r in ("r1", "r2", "r3")]
    v2, v3 = val["v2"], val["v3"]
    print(f"   vout = -(w1*v1 + w2*v2 + w3*v3), weights RF/Ri = {w[0]:g}, {w[1]:g}, {w[2]:g}")
    print(f"   v2 = {v2:g} V, v3 = {v3:g} V fixed, v1 swept; op-amp clamps near +/-12 V")
    d = load("dc")
    print("      v1 [V]    vout [V]   ideal [V]")
    for v1, vout in zip(d["v-sweep"], d["v(out)"]):
        if abs(v1) in (15, 10, 5, 0) or v1 in (2.5, -2.5):
            ideal = -(w[0] * v1 + w[1] * v2 + w[2] * v3)
            note = "  (clamped)" if abs(ideal) > 12 else ""
            print(f"   {v1:8.2f} {vout:11.5f} {ideal:11.5f}{note}")

elif cell == "log_converter":
    isat = spice_number(re.search(r"\bis=([^\s)]+)", open(deck).read().lower()).group(1))
    rin = val["rin"]
    print(f"   vout = -Vt*ln(vin/(R*IS)), R = {rin:g} ohm, IS = {isat:g} A, Vt = {VT*1e3:.3f} mV")
    d = load("dc")
    print("     vin [V]    vout [V]   ideal [V]")
    shown = []
    for vin, vout in zip(d["v-sweep"], d["v(out)"]):
        if any(abs(vin - 10.0 ** k) < 1e-9 * 10.0 ** k for k in range(-3, 2)):
            print(f"   {vin:9.3g} {vout:11.5f} {-VT * math.log(vin / (rin * isat)):11.5f}")
            shown.append((vin, vout))
    (v0, y0), (v1, y1) = shown[0], shown[-1]
    slope = (y1 - y0) / math.log10(v1 / v0) * 1e3
    print(f"   mean slope {slope:.2f} mV/decade (ideal {-VT * math.log(10) * 1e3:.2f}; diode RS = 1 ohm adds -RS*iin)")

elif cell in ("crossbar_4x4", "crossbar_32x32"):
    n = 4 if cell == "crossbar_4x4" else 32
    rname = (lambda i, j: f"r{i}{j}") if n == 4 else (lambda i, j: f"r{i}_{j}")
    rf = val["rf1"]
    x = [val[f"vx{j}"] for j in range(1, n + 1)]
    g = [[1.0 / val[rname(i, j)] for j in range(1, n + 1)] for i in range(1, n + 1)]
    d = load("op")
    if n == 4:
        print("   y = -RF*G*x with RF*G =")
        for row in g:
            print("     [" + " ".join(f"{rf * gij:5.2f}" for gij in row) + " ]")
        print("   x = [" + " ".join(f"{xj:g}" for xj in x) + "] V")
    else:
        print(f"   y = -RF*G*x, {n}x{n} weights RF*G in [0.01, 0.1], x in [-1, 1] V ({n} op-amp TIAs)")
    print("        y [V]    ideal [V]")
    worst = 0.0
    for i in range(n):
        ideal = -rf * sum(g[i][j] * x[j] for j in range(n))
        y = d[f"v(y{i+1})"][0]
        worst = max(worst, abs(y - ideal))
        if i < 4 or n == 4:
            print(f"   y{i+1:<2d} {y:9.5f} {ideal:10.5f}")
    if n > 4:
        print(f"   ... worst |y - ideal| over all {n} rows: {worst * 1e6:.1f} uV")

elif cell == "precision_rectifier":
    d = load("dc")
    print("   vout = max(0, -vin): an inverting ReLU (after a -W*x crossbar row it gives ReLU(W*x))")
    print("     vin [V]    vout [V]   ideal [V]")
    for vin, vout in zip(d["v-sweep"], d["v(out)"]):
        if any(abs(vin - v) < 1e-9 for v in (-5, -1, -0.1, 0, 0.1, 1, 5)):
            print(f"   {vin:9.3f} {vout:11.5f} {max(0.0, -vin):11.5f}")

elif cell == "resistor":
    d = load("dc")
    print("   y = -RF*i = -x*w: the current x*G through R1 = 10k/gw into a virtual ground, read by an ideal -RF")
    print("     vin [V]      y [V]   ideal [V]   (w = gw = 0.51)")
    for vin, y in zip(d["v-sweep"], d["v(y)"]):
        if any(abs(vin - v) < 1e-9 for v in (-1, -0.5, 0, 0.5, 1)):
            print(f"   {vin:9.3f} {y:11.5f} {-0.51 * vin:11.5f}")

elif cell == "max_circuit":
    d = load("dc")
    print("   vout = max(v1, v2, v3, v4): op-amp superdiodes sharing one output (max-pooling); v2..v4 = 1, 0, -1 V")
    print("     v1 [V]     vout [V]   ideal [V]")
    for v1, vout in zip(d["v-sweep"], d["v(out)"]):
        if any(abs(v1 - v) < 1e-9 for v in (-10, -1, 0, 1, 2, 10)):
            print(f"   {v1:9.3f} {vout:11.5f} {max(v1, 1.0):11.5f}")
    worst = max(abs(vout - max(v1, 1.0)) for v1, vout in zip(d["v-sweep"], d["v(out)"]))
    print(f"   worst |vout - ideal| over -10 ... 10 V: {worst * 1e3:.3f} mV")

elif cell == "absolute_value":
    d = load("dc")
    print("   vout = |vin| = -(vin + 2*h), h = -max(vin, 0) from a precision half-wave stage")
    print("     vin [V]    vout [V]   ideal [V]")
    for vin, vout in zip(d["v-sweep"], d["v(out)"]):
        if any(abs(vin - v) < 1e-9 for v in (-5, -1, -0.1, 0, 0.1, 1, 5)):
            print(f"   {vin:9.3f} {vout:11.5f} {abs(vin):11.5f}")

elif cell == "bjt_log_converter":
    rin, isat = val["rin"], 1e-14
    d = load("dc")
    print(f"   vout = -Vt*ln(vin/(RIN*IS)) with an NPN transdiode, RIN = {rin:g} ohm, IS = {isat:g} A")
    print("     vin [V]    vout [V]   ideal [V]")
    for vin, vout in zip(d["v-sweep"], d["v(out)"]):
        if any(abs(vin - v) < 1e-9 for v in (1e-3, 0.011, 0.101, 1.001, 10)):
            print(f"   {vin:9.4g} {vout:11.5f} {-VT * math.log(vin / (rin * isat)):11.5f}")

elif cell == "bjt_exp_converter":
    rf, isat = val["rf"], 1e-14
    d = load("dc")
    print(f"   vout = RF*IS*exp(-vin/Vt), RF = {rf:g} ohm, IS = {isat:g} A: x10 per -59.6 mV")
    print("     vin [V]      vout [V]     ideal [V]")
    for vin, vout in zip(d["v-sweep"], d["v(out)"]):
        if any(abs(vin - v) < 1e-9 for v in (-0.35, -0.41, -0.47, -0.53, -0.59, -0.65)):
            print(f"   {vin:9.3f} {vout:13.6g} {rf * isat * math.exp(-vin / VT):13.6g}")

elif cell in ("log_multiplier", "log_divider"):
    d = load("dc")
    what = "x*y/10 (w = 10 V)" if cell == "log_multiplier" else "10*x/w (y = 10 V)"
    print(f"   z = (RF/R)*x*y/w = {what}: logs of x, y, w added/subtracted, then exponentiated")
    print("      x [V]    y [V]    w [V]     z [V]   ideal [V]")
    for x, y, w, z in zip(d["v(x)"], d["v(y)"], d["v(w)"], d["v(z)"]):
        if x in (1.0, 5.0, 10.0) and x * y / w <= 10.5:
            print(f"   {x:7.2f} {y:8.2f} {w:8.2f} {z:9.4f} {x * y / w:10.4f}")

elif cell == "nmos_vcr_amplifier":
    d = load("dc")
    beta, vto, rf = 100e-6 * 10, 1.0, val["rf"]
    print("   gain = -RF*KP*(W/L)*(vg - VTO): an NMOS in triode as the input resistor")
    print("     vg [V]   gain (+-10 mV)   ideal")
    pts = {(round(a, 4), round(b, 3)): o for a, b, o in zip(d["v(in)"], d["v(g)"], d["v(out)"])}
    for vg in sorted({round(b, 3) for b in d["v(g)"]}):
        gain = (pts[(0.01, vg)] - pts[(-0.01, vg)]) / 0.02
        print(f"   {vg:7.2f} {gain:14.4f} {-rf * beta * (vg - vto):9.4f}")

elif cell == "integrator_reset":
    d = load("tran")
    rc = val["r1"] * val["c1"]
    print(f"   vout = -1/(RC) * integral(vin dt), RC = {rc*1e6:g} us; reset switch shorts C at 0 and 1 ms")
    print("     t [ms]   vin [V]   vout [V]   ideal [V]")
    for t, vin, t0 in ((0.5e-3, 0.5, 0.10054e-3), (0.99e-3, 0.5, 0.10054e-3), (1.5e-3, -0.8, 1.10054e-3), (2e-3, -0.8, 1.10054e-3)):
        print(f"   {t*1e3:7.2f} {vin:9.2f} {at(d, 'v(out)', t):10.4f} {-vin / rc * (t - t0):10.4f}")

elif cell == "differentiator":
    d = load("tran")
    rc = val["r1"] * val["c1"]
    print(f"   vout = -RC * dvin/dt, RC = {rc*1e3:g} ms; triangle input +/-2 V/ms -> square -/+2 V")
    for t in (0.5e-3, 1.5e-3, 2.5e-3, 3.5e-3):
        slope = 2e3 if int(t / 1e-3) % 2 == 0 else -2e3
        print(f"   t = {t*1e3:4.1f} ms: vout = {at(d, 'v(out)', t):8.4f} V, ideal {-rc * slope:8.4f} V")
    a = load("ac")
    rsc = val["rs"] * val["c1"]
    print("   AC: |H(f)| = 2*pi*f*RC / sqrt(1 + (2*pi*f*RS*C)^2): f/159 Hz below the RS*C zero (15.9 kHz)")
    for f, vr, vi in zip(a["frequency"], a["vr(out)"], a["vi(out)"]):
        if any(abs(f - g) < 1e-6 * g for g in (10, 100, 1000)):
            w = 2 * math.pi * f
            print(f"   f = {f:6g} Hz: |H| = {math.hypot(vr, vi):8.5f}, ideal {w * rc / math.sqrt(1 + (w * rsc) ** 2):8.5f}")

elif cell == "comparator":
    d = load("tran")
    up, down = crossings(d, "v(out)", 0, True), crossings(d, "v(out)", 0, False)
    print("   vout = +Vsat if vin > 1 V else -Vsat; vin = 2 sin(2 pi 100 t) crosses 1 V at T/12, 5T/12")
    print("   output edges [ms]: up " + ", ".join(f"{t*1e3:.4f}" for t in up) + "; down " + ", ".join(f"{t*1e3:.4f}" for t in down))
    print("   ideal input crossings [ms]: up 0.8333, 10.8333; down 4.1667, 14.1667 (op-amp delay ~19 us)")

elif cell == "schmitt_trigger":
    d = load("tran")
    beta = val["r1"] / (val["r1"] + val["r2"])
    edges = crossings(d, "v(out)", 0, False) + crossings(d, "v(out)", 0, True)
    print(f"   thresholds +/- beta*Vsat, beta = R1/(R1+R2) = {beta:.4f}")
    for t in sorted(edges):
        print(f"   edge at {t*1e3:7.4f} ms: vin = {at(d, 'v(in)', t):8.4f} V, beta*vout(before) = {beta * at(d, 'v(out)', t - 3e-6):8.4f} V")

elif cell == "relaxation_oscillator":
    d = load("tran")
    rc, beta = val["r"] * val["c1"], val["r1"] / (val["r1"] + val["r2"])
    up = [t for t in crossings(d, "v(out)", 0, True) if t > 1e-6]
    period = (up[-1] - up[0]) / (len(up) - 1)
    print(f"   T = 2RC ln((1+b)/(1-b)) = {2 * rc * math.log((1 + beta) / (1 - beta)) * 1e3:.4f} ms (symmetric clamp)")
    print(f"   Kelvin: T = {period*1e3:.4f} ms over {len(up)-1} periods ({1/period:.1f} Hz);"
          " the clamp sags to ~11.9 V at switching: -1.5 % expected")

elif cell == "sample_hold_weight":
    d = load("tran")
    print("   weights written through S1 onto CH, held (droop tau = RLEAK*CH = 1 s) while the bus returns to 0")
    for k, w in enumerate((2, -1.5, 3.3, 0.7, -2.5)):
        t = k * 1e-3 + 0.9e-3
        print(f"   w{k} = {w:5.2f} V: held {at(d, 'v(out)', t):8.5f} V at {t*1e3:.1f} ms (bus {at(d, 'v(in)', t):.1f} V)")

elif cell == "diode_bridge_filter":
    d = load("tran")
    last = [(t, v) for t, v in zip(d["time"], d["v(p)"]) if t >= 60e-3]
    vs = [v for _, v in last]
    print("   50 Hz, 17 V peak -> bridge -> 1000 uF || 100 ohm; ripple ~ I/(2 f C)")
    print(f"   inrush peak {max(d['i(ls)']):.2f} A; last period: {min(vs):.3f} ... {max(vs):.3f} V,"
          f" ripple {max(vs) - min(vs):.3f} V p-p (ideal full-recharge estimate {max(vs) / 100 / (100 * 1e-3):.2f} V)")

elif cell == "rc_ladder_1000":
    d = load("tran")
    rc, n = 100 * 1e-9, 1000
    print("   1 V step into 1000 RC sections; Elmore delay T_k = RC (k N - k (k-1)/2)")
    ts = d["time"]
    for k in (1, 100, 500, 1000):
        v = d[f"v(n{k})"]
        elmore = sum((ts[i] - ts[i - 1]) * (2 - v[i] - v[i - 1]) / 2 for i in range(1, len(ts)))
        print(f"   n{k:<5d} Elmore {elmore*1e3:9.5f} ms, ideal {rc * (k * n - k * (k - 1) / 2) * 1e3:9.5f} ms, final {v[-1]:.6f} V")

else:
    print("   (no report for this cell)")
