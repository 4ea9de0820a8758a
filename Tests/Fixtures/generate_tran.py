#!/usr/bin/env python3
"""Produce Kelvin's transient golden references from ngspice.

Run from anywhere:   python3 Tests/Fixtures/generate_tran.py [DECK.cir ...]

For every deck Tests/Fixtures/tran/*.cir (or the ones named) this script runs ngspice-39 in batch
mode exactly as generate.py does (same ngspice invocation, same checks for errors and warnings,
same rawfile parser and CSV writer: it imports them from generate.py) and writes
Tests/Fixtures/tran/NAME.ANALYSIS.csv (tran1, and op1/dc1 when the deck has them) in Kelvin's CSV
format: the scale first ("time" for a transient), then v(node) columns sorted by name, then i(name)
columns for V sources and inductors sorted by name, values "%.12g".

The transient decks live in their own folder because their time points are ngspice's accepted
points, not Kelvin's: TransientTests.swift compares them by interpolating Kelvin's waveform onto
these time points (FixtureTests.swift compares the top-level decks row by row).
"""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import generate  # noqa: E402  (same folder)

TRAN = os.path.join(HERE, "tran")


def convert(variables, rows):
    """Like generate.convert_plot, but keeps a `time` scale in front."""
    if variables and variables[0][1] == "time":
        header, body = generate.convert_plot(variables[1:], [row[1:] for row in rows])
        return ["time"] + header, [[row[0]] + b for row, b in zip(rows, body)]
    return generate.convert_plot(variables, rows)


def produce(deck):
    import tempfile
    name = os.path.splitext(os.path.basename(deck))[0]
    folder = os.path.dirname(deck)
    for old in os.listdir(folder):
        if old.startswith(name + ".") and old.endswith(".csv"):
            os.remove(os.path.join(folder, old))
    with tempfile.TemporaryDirectory() as tmp:
        raw = os.path.join(tmp, "out.raw")
        generate.run_ngspice(deck, raw)
        plots = generate.parse_rawfile(raw)
    counts = {}
    written = []
    for plotname, variables, rows in plots:
        kind = generate.PLOT_KINDS.get(plotname.lower())
        if kind is None:
            sys.exit(f"{deck}: unknown plot '{plotname}'")
        counts[kind] = counts.get(kind, 0) + 1
        if counts[kind] > 1:
            sys.exit(f"{deck}: more than one {kind} analysis; ngspice's order would be ambiguous")
        header, body = convert(variables, rows)
        out = os.path.join(folder, f"{name}.{kind}{counts[kind]}.csv")
        generate.write_csv(out, header, body)
        written.append(f"{os.path.basename(out)} ({len(body)}x{len(header)})")
    print(f"{os.path.basename(deck):28s} -> " + ", ".join(sorted(written)))


def main():
    decks = sys.argv[1:] or sorted(os.path.join(TRAN, f) for f in os.listdir(TRAN) if f.endswith(".cir"))
    for deck in decks:
        if not os.path.exists(deck) and os.path.exists(os.path.join(TRAN, deck)):
            deck = os.path.join(TRAN, deck)
        produce(os.path.abspath(deck))


if __name__ == "__main__":
    main()
