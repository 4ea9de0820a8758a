#!/usr/bin/env python3
"""Produce the ngspice references for the behavioural-source decks in Tests/Fixtures/behavioral/.

Run from anywhere:   python3 Tests/Fixtures/generate_behavioral.py [DECK.cir ...]

The procedure and CSV format are generate_dev.py's (ngspice -b -r OUT.raw with SPICE_ASCIIRAWFILE=1,
fail on any ngspice error or warning, one NAME.KIND1.csv per analysis, "%.12g" values, v() columns
sorted, then i() columns of V sources and inductors sorted, complex .ac plots as vr()/vi()), with
one difference: ngspice-39 turns an E or G with value=/table into a B source behind an E or G of
its own and reports that helper's nodes (`e1_int1`, `g3_int2`), and a POLY into an XSPICE code
model (`a$poly$h1#branch_1_0`); those columns are left out, since they are not nodes of the deck.

Requires ngspice (tested with ngspice-39).
"""

import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import generate_dev  # noqa: E402

generate_dev.HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "behavioral")
_device_name = generate_dev.kelvin_name


def kelvin_name(name, vtype, index):
    """generate_dev's column name, or None for ngspice's helper nodes of behavioural E, G and POLY."""
    inner = name.lower()
    m = re.fullmatch(r"[vi]\((.*)\)", inner)
    if m:
        inner = m.group(1)
    if "$" in inner or re.search(r"(^|\.)[eg][^.]*_int\d+$", inner):
        return None
    return _device_name(name, vtype, index)


generate_dev.kelvin_name = kelvin_name

if __name__ == "__main__":
    generate_dev.main()
