#!/usr/bin/env python3
"""Produce the ngspice-39 references of Kelvin's .control interpreter and .meas cards.

Run from anywhere:   python3 Tests/Fixtures/generate_control.py [DECK.cir ...]

For every deck Tests/Fixtures/control/*.cir (or the ones named) this script copies the deck into an
empty temporary folder, runs `ngspice -b DECK.cir` there (HOME empty, so no ~/.spiceinit) and writes
next to the deck:

- NAME.stdout     ngspice's standard output, normalised: ngspice's progress lines ("Note: No
                  compatibility mode", "Circuit:", "Doing analysis", "No. of Data Rows", the
                  "Initial Transient Solution" table, "ngspice-39 done", the memory report of a run without
                  `.control`) and blank lines removed, plot
                  dates replaced by DATE. What is left is what the deck's commands print: `print`
                  tables and lines, `echo`, and the measurement lines, byte for byte.
- NAME.meas.csv   every measurement as `name,analysis,value` (`failed` when ngspice reports the
                  measurement failed), from the `.meas` cards and the `meas` commands.
- NAME.FILE       every file the deck wrote (`wrdata` output), unchanged.

ngspice's standard error may only hold failed measurements ("Error: measure ... out of interval",
" .meas ... failed!") and ngspice-39's "Warning: can't parse 'vd': ignored" for vdb() and friends on
.print/.meas cards (it still prints them); anything else stops the script. Every control block ends with `quit`, so
ngspice -b does not run the deck's analyses a second time after the block.
ControlFixtureTests (Tests/CLITests) runs `kelvin sim` on each deck and compares.
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
CONTROL = os.path.join(HERE, "control")

NOISE = [r"^Note: No compatibility mode", r"^Circuit: ", r"^Doing analysis at TEMP", r"^No\. of Data Rows",
         r"^ngspice-\d+ done", r"^Reset re-loads circuit", r"^Total (analysis|elapsed) time", r"^Total DRAM",
         r"^DRAM currently", r"^(Maximum|Current) ngspice program size", r"^Shared ngspice pages",
         r"^Text \(code\) pages", r"^Stack = ", r"^Library pages"]
DATE = re.compile(r"[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d  \d{4}")


def normalise(text):
    """The lines a deck's commands print (see the module docstring)."""
    out = []
    skipping = False
    for line in text.split("\n"):
        if line.startswith("Initial Transient Solution"):
            skipping = True
            continue
        if skipping:
            if line.startswith("No. of Data Rows"):
                skipping = False
            continue
        if not line.strip() or any(re.match(p, line) for p in NOISE):
            continue
        out.append(DATE.sub("DATE", line))
    return "\n".join(out) + "\n"


def measurements(deck_text, stdout, stderr):
    analyses = {}
    for line in deck_text.lower().splitlines():
        words = line.split()
        if len(words) >= 3 and words[0] in (".meas", ".measure", "meas", "measure"):
            if words[1] in ("tran", "ac", "dc"):
                analyses.setdefault(words[2], words[1])
            else:
                analyses.setdefault(words[1], "tran")
    rows = []
    for line in stdout.splitlines():
        if len(line) > 21 and line[20] == "=" and line[:20].strip() in analyses:
            name = line[:20].strip()
            rows.append((name, analyses[name], line[21:].split()[0]))
    for line in (stdout + "\n" + stderr).splitlines():
        m = re.match(r"^ \.?meas(?:ure)? (?:(?:tran|ac|dc) )?(\S+) .* failed!$", line)
        if m and m.group(1) in analyses:
            rows.append((m.group(1), analyses[m.group(1)], "failed"))
    return rows


def produce(deck):
    name = os.path.splitext(os.path.basename(deck))[0]
    folder = os.path.dirname(deck)
    for old in os.listdir(folder):
        if old.startswith(name + ".") and old != os.path.basename(deck):
            os.remove(os.path.join(folder, old))
    with tempfile.TemporaryDirectory() as tmp, tempfile.TemporaryDirectory() as home:
        shutil.copy(deck, tmp)
        env = dict(os.environ, HOME=home)
        proc = subprocess.run(["ngspice", "-b", os.path.basename(deck)], cwd=tmp, env=env,
                              capture_output=True, text=True)
        # "Warning: can't parse 'vd': ignored" is ngspice-39 failing to add vdb(out) (and vr/vi) of a
        # .print or .meas card to its save list; the vectors are still computed and printed.
        bad = [line for line in proc.stderr.splitlines()
               if line.strip() and not line.startswith("Error: measure") and not line.endswith("failed!")
               and not re.match(r"^Warning: can't parse '[^']*': ignored$", line)]
        if proc.returncode != 0 or bad:
            sys.exit(f"ngspice failed on {deck} (rc={proc.returncode}):\n" + "\n".join(bad))
        with open(deck) as f:
            rows = measurements(f.read(), proc.stdout, proc.stderr)
        with open(os.path.join(folder, f"{name}.stdout"), "w") as f:
            f.write(normalise(proc.stdout))
        with open(os.path.join(folder, f"{name}.meas.csv"), "w") as f:
            f.write("name,analysis,value\n")
            for row in rows:
                f.write(",".join(row) + "\n")
        written = []
        for produced in sorted(os.listdir(tmp)):
            if produced != os.path.basename(deck):
                shutil.copy(os.path.join(tmp, produced), os.path.join(folder, f"{name}.{produced}"))
                written.append(produced)
    print(f"{os.path.basename(deck):20s} -> stdout, {len(rows)} measurements, files: {', '.join(written) or '-'}")


def main():
    decks = [os.path.abspath(a) if os.path.exists(a) else os.path.join(CONTROL, a) for a in sys.argv[1:]]
    if not decks:
        decks = sorted(os.path.join(CONTROL, f) for f in os.listdir(CONTROL) if f.endswith(".cir"))
    for deck in decks:
        produce(deck)


if __name__ == "__main__":
    main()
