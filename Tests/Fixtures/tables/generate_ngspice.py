#!/usr/bin/env python3
"""ngspice references for characterised cell tables (CellTableTests reads them).

Run from anywhere:   python3 Tests/Fixtures/tables/generate_ngspice.py

Reads each cell's `* characterize:` header in netlists/ and writes, next to this script:
  nmos_vcr_amplifier.ngspice.csv   the 2-D grid of the header (input=VIN ... input=VG ...), x outer
                                   and w inner as in the .lut (`.dc W ... X ...`: ngspice's first
                                   source is the inner one): columns x, w, output, "%.12g".
  sample_hold_weight.ngspice.csv   the droop= hold window of the netlist's own .tran: t1, t2, the
                                   output at t1 and t2 (linear interpolation between time points,
                                   as Kelvin's measureHold does) and tau = (t2 - t1)/ln(y1/y2).
  resistor.ngspice.csv             the 2-D grid of the header, whose second input is the .param GW
                                   (R1 = {10k/gw}): one ngspice run per w value with the deck's
                                   `.param gw=` card set to it (what alterparam + reset does), each
                                   a `.dc` of the first input; columns x, w, output, x outer.
  energy.ngspice.csv               the tstop= step measurement of the cells with supplies= in their
                                   header (summing_amplifier, nmos_vcr_amplifier,
                                   precision_rectifier, resistor, max_circuit, bjt_log_converter,
                                   bjt_exp_converter), computed from ngspice's .tran as
                                   Kelvin's measureDynamics does (first input a PWL step a -> b,
                                   the header's step=a:b in either direction, at
                                   td = tstop/10 in tr = tstop/1000, time step <= tstop/2000):
                                   settling to 0.1 %, T_op (optime= or the settling), P_q, E_static,
                                   E_dynamic, E_op.
Runs ngspice through Tests/Fixtures/generate.py's run_ngspice (batch mode, ASCII rawfile, errors
and warnings fail the script). Requires ngspice (tested with ngspice-39).
"""

import math
import os
import re
import shutil
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", "..", ".."))
sys.path.insert(0, os.path.dirname(HERE))
from generate import parse_rawfile, run_ngspice  # noqa: E402

SUFFIX = {"meg": 1e6, "t": 1e12, "g": 1e9, "k": 1e3, "m": 1e-3, "u": 1e-6, "n": 1e-9, "p": 1e-12, "f": 1e-15}


def number(text):
    """A SPICE number with an optional scale suffix (as Kelvin's spiceNumber)."""
    t = text.lower()
    for suffix in ("meg", "t", "g", "k", "m", "u", "n", "p", "f"):
        if t.endswith(suffix):
            try:
                return float(t[: -len(suffix)] + "e%d" % round(math.log10(SUFFIX[suffix])))
            except ValueError:
                pass
    return float(t)


def header(path):
    """The `* characterize:` fields: inputs [(source, lo, hi, n)], output, droop (t1, t2) or None."""
    fields = {"inputs": [], "output": None, "droop": None, "tstop": None, "step": None, "supplies": [], "optime": None}
    with open(path) as f:
        for line in f:
            m = re.match(r"\*\s*characterize:(.*)", line.strip(), re.IGNORECASE)
            if not m:
                continue
            words = m.group(1).split()
            k = 0
            while k < len(words):
                word = words[k]
                if word.lower().startswith("input="):
                    lo, hi, n = words[k + 1].split(":")[:3]
                    fields["inputs"].append((word[6:], number(lo), number(hi), int(n)))
                    k += 1
                elif word.lower().startswith("output="):
                    fields["output"] = word[7:].lower()
                elif word.lower().startswith("droop="):
                    t1, t2 = word[6:].split(":")
                    fields["droop"] = (number(t1), number(t2))
                elif word.lower().startswith("tstop="):
                    fields["tstop"] = number(word[6:])
                elif word.lower().startswith("step="):
                    fields["step"] = tuple(number(v) for v in word[5:].split(":"))
                elif word.lower().startswith("supplies="):
                    fields["supplies"] = word[9:].lower().split(",")
                elif word.lower().startswith("optime="):
                    fields["optime"] = number(word[7:])
                k += 1
    return fields


def simulate(cell, analysis, parameters=None, cards=None):
    """Runs netlists/CELL.cir with its analyses replaced by `analysis` (None: keep them), the
    top-level `.param NAME=` cards named in `parameters` set to those values and the element cards
    named in `cards` (lower-case name -> new card) replaced."""
    source = os.path.join(ROOT, "netlists", cell + ".cir")
    with tempfile.TemporaryDirectory() as work:
        shutil.copyfile(os.path.join(ROOT, "netlists", "opamp.lib"), os.path.join(work, "opamp.lib"))
        with open(source) as f:
            lines = f.read().splitlines()
        if analysis is not None:
            lines = [l for l in lines if not re.match(r"\s*\.(dc|tran|op|ac)\b", l, re.IGNORECASE)]
            end = max(i for i, l in enumerate(lines) if l.strip().lower() == ".end")
            lines.insert(end, analysis)
        for name, value in (parameters or {}).items():
            matches = [i for i, l in enumerate(lines) if re.match(r"\s*\.param\s+%s\s*=" % name, l, re.IGNORECASE)]
            assert len(matches) == 1, (cell, name, matches)
            lines[matches[0]] = ".param %s=%.17g" % (name, value)
        for name, card in (cards or {}).items():
            matches = [i for i, l in enumerate(lines) if l.split() and l.split()[0].lower() == name]
            assert len(matches) == 1, (cell, name, matches)
            lines[matches[0]] = card
        deck = os.path.join(work, cell + ".cir")
        with open(deck, "w") as f:
            f.write("\n".join(lines) + "\n")
        raw = os.path.join(work, cell + ".raw")
        run_ngspice(deck, raw)
        plots = parse_rawfile(raw)
    _, variables, rows = plots[0]
    return [name.lower() for name, _ in variables], rows


def vcr_table():
    cell = "nmos_vcr_amplifier"
    spec = header(os.path.join(ROOT, "netlists", cell + ".cir"))
    (x, xlo, xhi, xn), (w, wlo, whi, wn) = spec["inputs"]
    step = lambda lo, hi, n: "%.17g" % ((hi - lo) / (n - 1))
    analysis = ".dc %s %.17g %.17g %s %s %.17g %.17g %s" % (w, wlo, whi, step(wlo, whi, wn), x, xlo, xhi, step(xlo, xhi, xn))
    names, rows = simulate(cell, analysis)
    out = "v(%s)" % spec["output"]
    cx, cw, cy = names.index("v(in)"), names.index("v(g)"), names.index(out)
    assert len(rows) == xn * wn, (len(rows), xn * wn)
    with open(os.path.join(HERE, cell + ".ngspice.csv"), "w") as f:
        f.write("%s,%s,%s\n" % (x.lower(), w.lower(), out))
        for r in rows:
            f.write("%.12g,%.12g,%.12g\n" % (r[cx], r[cw], r[cy]))


def hold_tau():
    cell = "sample_hold_weight"
    spec = header(os.path.join(ROOT, "netlists", cell + ".cir"))
    t1, t2 = spec["droop"]
    names, rows = simulate(cell, None)
    ct, cy = names.index("time"), names.index("v(%s)" % spec["output"])

    def at(t):
        for k, r in enumerate(rows):
            if r[ct] >= t:
                if k == 0 or r[ct] == t:
                    return r[cy]
                a, b = rows[k - 1], r
                return a[cy] + (b[cy] - a[cy]) * (t - a[ct]) / (b[ct] - a[ct])
        raise SystemExit("droop window beyond the transient")

    y1, y2 = at(t1), at(t2)
    with open(os.path.join(HERE, cell + ".ngspice.csv"), "w") as f:
        f.write("t1,t2,y1,y2,tau\n")
        f.write("%.12g,%.12g,%.15g,%.15g,%.12g\n" % (t1, t2, y1, y2, (t2 - t1) / math.log(y1 / y2)))


def resistor_table():
    cell = "resistor"
    spec = header(os.path.join(ROOT, "netlists", cell + ".cir"))
    (x, xlo, xhi, xn), (w, wlo, whi, wn) = spec["inputs"]
    # The grid as Kelvin's SweepAxis makes it: lo + k*step.
    step = (whi - wlo) / (wn - 1)
    ws = [wlo + k * step for k in range(wn)]
    analysis = ".dc %s %.17g %.17g %.17g" % (x, xlo, xhi, (xhi - xlo) / (xn - 1))
    out = "v(%s)" % spec["output"]
    columns = []
    for value in ws:
        names, rows = simulate(cell, analysis, {w.lower(): value})
        assert len(rows) == xn, (len(rows), xn)
        columns.append([(r[names.index("v(in)")], r[names.index(out)]) for r in rows])
    with open(os.path.join(HERE, cell + ".ngspice.csv"), "w") as f:
        f.write("%s,%s,%s\n" % (x.lower(), w.lower(), out))
        for i in range(xn):
            for j, value in enumerate(ws):
                f.write("%.12g,%.12g,%.12g\n" % (columns[j][i][0], value, columns[j][i][1]))


def integrate(ts, ps, lo, hi):
    """Trapezoidal integral of p over [lo, hi], p linear between the samples (Kelvin's integrate)."""
    total = 0.0
    for k in range(1, len(ts)):
        if ts[k] <= lo or ts[k - 1] >= hi:
            continue
        a, b = max(ts[k - 1], lo), min(ts[k], hi)
        span = ts[k] - ts[k - 1]
        at = lambda x: ps[k - 1] + (ps[k] - ps[k - 1]) * (x - ts[k - 1]) / span if span > 0 else ps[k]
        total += 0.5 * (at(a) + at(b)) * (b - a)
    return total


def step_energy(cell):
    """One row of energy.ngspice.csv: the header's step measurement on ngspice's transient."""
    path = os.path.join(ROOT, "netlists", cell + ".cir")
    spec = header(path)
    source, lo, hi, _ = spec["inputs"][0]
    a, b = spec["step"] or (lo, hi)
    stop = spec["tstop"]
    td, tr = stop / 10, stop / 1000
    with open(path) as f:
        cards = {l.split()[0].lower(): l.split() for l in f if l.split() and l.split()[0][0].isalpha()}
    plus, minus = cards[source.lower()][1:3]
    step = "%s %s %s DC %.17g PWL(0 %.17g %.17g %.17g %.17g %.17g)" % (source, plus, minus, a, a, td, a, td + tr, b)
    names, rows = simulate(cell, ".tran %.17g %.17g 0 %.17g" % (stop / 2000, stop, stop / 2000), cards={source.lower(): step})
    col = lambda name: [r[names.index(name)] for r in rows] if name != "v(0)" else [0.0] * len(rows)
    t, y = col("time"), col("v(%s)" % spec["output"])
    k0 = max(k for k, x in enumerate(t) if x <= td)
    swing = abs(y[-1] - y[k0])
    band = 0.001 * swing
    settle = td
    outside = [k for k, v in enumerate(y) if abs(v - y[-1]) > band]
    if outside and outside[-1] + 1 < len(t):
        k = outside[-1]
        e0, e1 = abs(y[k] - y[-1]), abs(y[k + 1] - y[-1])
        f = (e0 - band) / (e0 - e1) if e0 > e1 else 0
        settle = t[k] + f * (t[k + 1] - t[k])
    op = spec["optime"] if spec["optime"] is not None else settle - td
    power = [0.0] * len(t)
    for supply in spec["supplies"]:
        p, m = cards[supply][1:3]
        vp, vm, i = col("v(%s)" % p.lower()), col("v(%s)" % m.lower()), col("i(%s)" % supply)
        power = [pw - (vp[k] - vm[k]) * i[k] for k, pw in enumerate(power)]
    quiescent = integrate(t, power, 0, td) / td
    total = integrate(t, power, td, td + op)
    return (cell, settle - td, op, quiescent, quiescent * op, total - quiescent * op, total)


def energies():
    with open(os.path.join(HERE, "energy.ngspice.csv"), "w") as f:
        f.write("cell,settling_time,operation_time,quiescent_power,static_energy,dynamic_energy,energy_per_operation\n")
        for cell in ("summing_amplifier", "nmos_vcr_amplifier", "precision_rectifier", "resistor", "max_circuit",
                     "bjt_log_converter", "bjt_exp_converter"):
            f.write(("%s" + ",%.12g" * 6 + "\n") % step_energy(cell))


if __name__ == "__main__":
    vcr_table()
    hold_tau()
    resistor_table()
    energies()
