#!/usr/bin/env python3
"""Produce the ngspice references for the device and AC decks in Tests/Fixtures/dev/.

Run from anywhere:   python3 Tests/Fixtures/generate_dev.py [DECK.cir ...]

Same procedure and CSV format as generate.py (ngspice -b -r OUT.raw with SPICE_ASCIIRAWFILE=1,
fail on any ngspice error or warning, one NAME.KIND1.csv per analysis, "%.12g" values, v() columns
sorted, then i() columns sorted, device-internal nodes and E/H currents left out), plus complex
(AC) plots: the header is `frequency`, then vr(node), vi(node) for every node (sorted by node), then
ir(v), ii(v) for V sources and inductors (sorted).

Requires ngspice (tested with ngspice-39).
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "dev")

PLOT_KINDS = {
    "operating point": "op",
    "dc transfer characteristic": "dc",
    "transient analysis": "tran",
    "ac analysis": "ac",
    "transfer function": "tf",
    "sensitivity analysis": "sens",
    "noise spectral density curves": "noise",
    "integrated noise": "noise",
}

# Plots whose vectors are named values, not node voltages and branch currents: .tf
# (transfer_function, v1#input_impedance, output_impedance_at_v(out)), .sens (r1, r1_m, r1:bv_max,
# ...) and .noise (noise1: frequency, onoise_spectrum, inoise_spectrum; noise2: onoise_total,
# inoise_total). Their names are written lower case without ngspice's v(...) wrapper, in plot order.
NAMED_KINDS = {"tf", "sens", "noise"}


def run_ngspice(deck, rawpath):
    env = dict(os.environ)
    env["SPICE_ASCIIRAWFILE"] = "1"
    with tempfile.TemporaryDirectory() as home:
        env["HOME"] = home
        proc = subprocess.run(["ngspice", "-b", "-r", rawpath, os.path.basename(deck)],
                              cwd=os.path.dirname(deck), env=env, capture_output=True, text=True)
    log = proc.stdout + proc.stderr
    bad = [line for line in log.splitlines()
           if re.search(r"\b(error|warning)\b", line, re.IGNORECASE)
           or "singular" in line.lower() or "too small" in line.lower()]
    if proc.returncode != 0 or bad:
        sys.exit(f"ngspice failed on {deck} (rc={proc.returncode}):\n" + "\n".join(bad or log.splitlines()[-20:]))


def parse_rawfile(path):
    """[(plotname, complex?, [(name, type)], [[values]])]; complex values as (re, im) tuples."""
    with open(path) as f:
        lines = f.read().splitlines()
    plots = []
    i = 0
    while i < len(lines):
        if not lines[i].startswith("Plotname:"):
            i += 1
            continue
        plotname = lines[i].split(":", 1)[1].strip()
        nvars = npoints = None
        flags = ""
        i += 1
        while not lines[i].startswith("Variables:"):
            key, _, value = lines[i].partition(":")
            if key == "No. Variables":
                nvars = int(value)
            elif key == "No. Points":
                npoints = int(value)
            elif key == "Flags":
                flags = value.strip()
            i += 1
        is_complex = "complex" in flags
        i += 1
        variables = []
        for _ in range(nvars):
            fields = lines[i].split()
            variables.append((fields[1], fields[2]))
            i += 1
        assert lines[i].startswith("Values:"), lines[i]
        i += 1
        tokens = []
        while len(tokens) < (nvars + 1) * npoints:
            tokens.extend(lines[i].split())
            i += 1
        rows = []
        for p in range(npoints):
            chunk = tokens[p * (nvars + 1):(p + 1) * (nvars + 1)]
            assert int(chunk[0]) == p, (path, chunk)
            if is_complex:
                rows.append([tuple(float(x) for x in t.split(",")) for t in chunk[1:]])
            else:
                rows.append([float(t) for t in chunk[1:]])
        plots.append((plotname, is_complex, variables, rows))
    return plots


def kelvin_name(name, vtype, index):
    name = name.lower()
    m = re.fullmatch(r"([vi])\((.*)\)", name)
    inner = m.group(2) if m else name
    if index == 0 and (inner.endswith("-sweep") or vtype in ("frequency", "time")):
        return inner
    if inner.endswith("#branch"):
        inner = inner[: -len("#branch")]
        vtype = "current"
    if "#" in inner:
        return None
    if vtype == "voltage":
        return f"v({inner})"
    if vtype == "current":
        return f"i({inner})" if inner[0] in "vl" else None
    return None


def convert_named_plot(variables, rows):
    header = []
    for name, _ in variables:
        name = name.lower()
        m = re.fullmatch(r"[vi]\((.*)\)", name)
        header.append(m.group(1) if m else name)
    return header, rows


def convert_plot(is_complex, variables, rows):
    columns = [(kelvin_name(n, t, k), k) for k, (n, t) in enumerate(variables)]
    scale = [c for c in columns if c[1] == 0 and c[0] is not None and not c[0].startswith(("v(", "i("))]
    volts = sorted(c for c in columns if c[0] is not None and c[0].startswith("v("))
    amps = sorted(c for c in columns if c[0] is not None and c[0].startswith("i("))
    if not is_complex:
        order = scale + volts + amps
        return [c[0] for c in order], [[row[k] for _, k in order] for row in rows]
    header = [c[0] for c in scale]
    for name, _ in volts + amps:
        inner = name[2:-1]
        header += [f"{name[0]}r({inner})", f"{name[0]}i({inner})"]
    body = []
    for row in rows:
        out = [row[k][0] for _, k in scale]
        for _, k in volts + amps:
            out += [row[k][0], row[k][1]]
        body.append(out)
    return header, body


def csv_field(name):
    """A header name as a CSV field, quoted when it holds a comma (.tf's output_impedance_at_v(a,b))."""
    if "," in name or '"' in name:
        return '"' + name.replace('"', '""') + '"'
    return name


def write_csv(path, header, body):
    with open(path, "w") as f:
        f.write(",".join(csv_field(h) for h in header) + "\n")
        for row in body:
            f.write(",".join("%.12g" % v for v in row) + "\n")


def generate(deck):
    name = os.path.splitext(os.path.basename(deck))[0]
    for old in os.listdir(HERE):
        if old.startswith(name + ".") and old.endswith(".csv"):
            os.remove(os.path.join(HERE, old))
    with tempfile.TemporaryDirectory() as tmp:
        raw = os.path.join(tmp, "out.raw")
        run_ngspice(deck, raw)
        plots = parse_rawfile(raw)
    counts = {}
    written = []
    for plotname, is_complex, variables, rows in plots:
        kind = PLOT_KINDS.get(plotname.lower())
        if kind is None:
            sys.exit(f"{deck}: unknown plot '{plotname}'")
        counts[kind] = counts.get(kind, 0) + 1
        if counts[kind] > (2 if kind == "noise" else 1):  # one .noise makes noise1 and noise2
            sys.exit(f"{deck}: more than one {kind} analysis")
        if kind in NAMED_KINDS:
            header, body = convert_named_plot(variables, rows)
        else:
            header, body = convert_plot(is_complex, variables, rows)
        out = os.path.join(HERE, f"{name}.{kind}{counts[kind]}.csv")
        write_csv(out, header, body)
        written.append(f"{os.path.basename(out)} ({len(body)}x{len(header)})")
    print(f"{os.path.basename(deck):24s} -> " + ", ".join(sorted(written)))


def main():
    if shutil.which("ngspice") is None:
        sys.exit("ngspice is not installed (apt-get install ngspice)")
    decks = sys.argv[1:] or sorted(os.path.join(HERE, f) for f in os.listdir(HERE) if f.endswith(".cir"))
    for deck in decks:
        if not os.path.exists(deck) and os.path.exists(os.path.join(HERE, deck)):
            deck = os.path.join(HERE, deck)
        generate(os.path.abspath(deck))


if __name__ == "__main__":
    main()
