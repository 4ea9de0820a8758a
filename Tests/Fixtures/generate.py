#!/usr/bin/env python3
"""Produce Kelvin's golden references from ngspice.

Run from anywhere:   python3 Tests/Fixtures/generate.py [DECK.cir ...]

For every deck Tests/Fixtures/*.cir, Tests/Fixtures/analog/*.cir and every cell netlists/*.cir
(or the ones named) this script
  1. runs ngspice in batch mode, `ngspice -b -r OUT.raw DECK.cir`, with the environment
     variable SPICE_ASCIIRAWFILE=1 (ASCII rawfile, 16 significant digits), in the deck's
     directory so `.include` paths resolve relative to the deck;
  2. fails if ngspice reports an error, a warning or a non-zero exit status;
  3. parses the rawfile and writes one CSV per analysis, NAME.op1.csv, NAME.dc1.csv, in
     Kelvin's CSV format (see /work/notes/CONTRACT.md and README.md here):
       - header: the scale first if the analysis has one ("v-sweep" for a V-source sweep,
         "i-sweep" for an I-source sweep: ngspice writes them as v(v-sweep) / i(i-sweep)),
       - then v(node) for every non-ground node, node names lower case, subcircuit nodes
         as ngspice names them (x1.n1),
       - then i(name) for every independent voltage source and inductor (ngspice's
         `name#branch`; inside subcircuits `v.x1.vcc`),
       - the v() columns sorted alphabetically, then the i() columns sorted alphabetically
         (ngspice's own order is creation order; Kelvin's tests compare by column name),
       - values printed with "%.12g".
     Branch currents ngspice also reports for E and H sources (i(e1), i(h.x1.h2)) are left
     out: Kelvin reports currents only for V sources and inductors.
  4. Decks must hold at most one analysis of each kind (.op, .dc): ngspice runs several
     analyses of one kind in reverse deck order, so their numbering would be ambiguous.

The cells are read where they live, in netlists/ (no copies here): ngspice runs in netlists/
so `.include opamp.lib` resolves there, and the CSVs are written here (cells needing only
.op/.dc and R, C, L, V, I, E, F, G, H, D) or in analog/ (the others, see needs_issue3).

Requires ngspice (tested with ngspice-39, see README.md).
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
CELLS = os.path.join(ROOT, "netlists")

PLOT_KINDS = {
    "operating point": "op",
    "dc transfer characteristic": "dc",
    "transient analysis": "tran",
    "ac analysis": "ac",
}


ANALOG = os.path.join(HERE, "analog")

# Features that arrive with issue 3 (transient, AC, BJT, MOSFET, switches).
ISSUE3 = re.compile(r"^\s*(\.tran|\.ac|\.ic)\b|^\s*[qmsw]\S*\s", re.IGNORECASE | re.MULTILINE)


def needs_issue3(path):
    """True when a deck uses .tran/.ac/.ic or a Q, M, S or W element (Kelvin's analog/ cells)."""
    with open(path) as f:
        body = f.read().split("\n", 1)[-1]  # the first line is the title
    return ISSUE3.search(body) is not None


def reference_directory(deck):
    """Where a deck's CSVs go: next to a fixture deck; for a cell in netlists/, here or analog/."""
    if os.path.dirname(deck) != CELLS:
        return os.path.dirname(deck)
    return ANALOG if needs_issue3(deck) else HERE


def run_ngspice(deck, rawpath):
    env = dict(os.environ)
    env["SPICE_ASCIIRAWFILE"] = "1"
    # An empty HOME keeps a user's ~/.spiceinit out of the references.
    with tempfile.TemporaryDirectory() as home:
        env["HOME"] = home
        proc = subprocess.run(
            ["ngspice", "-b", "-r", rawpath, os.path.basename(deck)],
            cwd=os.path.dirname(deck), env=env, capture_output=True, text=True)
    log = proc.stdout + proc.stderr
    # "Warning: Further gmin increment" is a step of ngspice's dynamic gmin stepping that it
    # retries with a smaller increment (the operating point still converges); it is not a failure.
    bad = [line for line in log.splitlines()
           if re.search(r"\b(error|warning)\b", line, re.IGNORECASE)
           and "Further gmin increment" not in line
           or "singular" in line.lower() or "too small" in line.lower()]
    if proc.returncode != 0 or bad:
        sys.exit(f"ngspice failed on {deck} (rc={proc.returncode}):\n" + "\n".join(bad or log.splitlines()[-20:]))
    return log


def parse_rawfile(path):
    """Parses an ngspice ASCII rawfile into [(plotname, [(name, type)], [[values]])].

    Complex plots (.ac) hold "re,im" pairs: their values are returned as Python complex numbers
    (convert_plot recognises them)."""
    with open(path) as f:
        lines = f.read().splitlines()
    plots = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line.startswith("Plotname:"):
            i += 1
            continue
        plotname = line.split(":", 1)[1].strip()
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

        def number(token):
            if not is_complex:
                return float(token)
            re_part, _, im_part = token.partition(",")
            return complex(float(re_part), float(im_part))

        rows = []
        for p in range(npoints):
            chunk = tokens[p * (nvars + 1):(p + 1) * (nvars + 1)]
            assert int(chunk[0]) == p, (path, chunk)
            rows.append([number(t) for t in chunk[1:]])
        plots.append((plotname, variables, rows))
    return plots


def kelvin_name(name, vtype, index):
    """Maps an ngspice rawfile vector name to Kelvin's CSV column name (None: leave out)."""
    name = name.lower()
    if index == 0 and vtype in ("time", "frequency"):
        return vtype  # the scale of .tran / .ac
    m = re.fullmatch(r"([vi])\((.*)\)", name)
    inner = m.group(2) if m else name
    if index == 0 and inner.endswith("-sweep"):
        return inner  # the scale: v-sweep, i-sweep
    if inner.endswith("#branch"):
        inner = inner[: -len("#branch")]
        vtype = "current"
    if "#" in inner:
        return None  # device-internal node (ngspice does not write these by default)
    if vtype == "voltage":
        return f"v({inner})"
    if vtype == "current":
        # Flattened element names start with the element letter: v1, l2, v.x1.vcc, e.x1.e1.
        return f"i({inner})" if inner[0] in "vl" else None
    return None


SCALES = ("v-sweep", "i-sweep", "time", "frequency")


def convert_plot(variables, rows):
    """Kelvin's header and rows for one plot.

    Real plots: scale, v(...) sorted, i(...) sorted.  Complex (.ac) plots: `frequency` (the
    real part; ngspice's imaginary part of the scale is garbage), then for every node, sorted,
    vr(node), vi(node), then for every V source / inductor ir(name), ii(name)."""
    is_complex = bool(rows) and any(isinstance(v, complex) for v in rows[0])
    columns = [(kelvin_name(n, t, k), k) for k, (n, t) in enumerate(variables)]
    scale = [c for c in columns if c[0] in SCALES]
    volts = sorted(c for c in columns if c[0] is not None and c[0].startswith("v("))
    amps = sorted(c for c in columns if c[0] is not None and c[0].startswith("i("))
    if not is_complex:
        order = scale + volts + amps
        header = [c[0] for c in order]
        assert len(set(header)) == len(header), header
        body = [[row[k] for _, k in order] for row in rows]
        return header, body
    header = [c[0] for c in scale]
    picks = [(k, "re") for _, k in scale]
    for name, k in volts + amps:
        kind, inner = name[0], name[2:-1]
        header += [f"{kind}r({inner})", f"{kind}i({inner})"]
        picks += [(k, "re"), (k, "im")]
    assert len(set(header)) == len(header), header
    body = [[row[k].real if part == "re" else row[k].imag for k, part in picks] for row in rows]
    return header, body


def write_csv(path, header, body):
    with open(path, "w") as f:
        f.write(",".join(header) + "\n")
        for row in body:
            f.write(",".join("%.12g" % v for v in row) + "\n")


def generate(deck):
    name = os.path.splitext(os.path.basename(deck))[0]
    where = reference_directory(deck)
    for directory in {where, HERE, ANALOG} if os.path.dirname(deck) == CELLS else {where}:
        for old in os.listdir(directory):  # stale references (also of a cell that changed category)
            if old.startswith(name + ".") and old.endswith(".csv"):
                os.remove(os.path.join(directory, old))
    with tempfile.TemporaryDirectory() as tmp:
        raw = os.path.join(tmp, "out.raw")
        run_ngspice(deck, raw)
        plots = parse_rawfile(raw)
    counts = {}
    written = []
    for plotname, variables, rows in plots:
        kind = PLOT_KINDS.get(plotname.lower())
        if kind is None:
            sys.exit(f"{deck}: unknown plot '{plotname}'")
        counts[kind] = counts.get(kind, 0) + 1
        if counts[kind] > 1:
            sys.exit(f"{deck}: more than one {kind} analysis; ngspice's order would be ambiguous")
        header, body = convert_plot(variables, rows)
        out = os.path.join(where, f"{name}.{kind}{counts[kind]}.csv")
        write_csv(out, header, body)
        written.append(f"{os.path.basename(out)} ({len(body)}x{len(header)})")
    print(f"{os.path.basename(deck):28s} -> " + ", ".join(sorted(written)))


def main():
    if shutil.which("ngspice") is None:
        sys.exit("ngspice is not installed (apt-get install ngspice)")
    decks = sys.argv[1:] or sorted(
        os.path.join(d, f) for d in (HERE, ANALOG, CELLS) for f in os.listdir(d) if f.endswith(".cir"))
    for deck in decks:
        for d in (HERE, ANALOG, CELLS):
            if not os.path.exists(deck) and os.path.exists(os.path.join(d, deck)):
                deck = os.path.join(d, deck)  # a bare fixture or cell name
        generate(os.path.abspath(deck))


if __name__ == "__main__":
    main()
