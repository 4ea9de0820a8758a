#!/usr/bin/env python3
"""ngspice-39's Monte Carlo spread of a cell's gain, to check `kelvin characterize --mc`.

Run from anywhere:   python3 scripts/ngspice_monte_carlo.py [CELL [INSTANCES [SIGMA [SEED]]]]
(default: log_multiplier 1000 0.01 7)

Every top-level resistor card `Rname a b VALUE` of netlists/CELL.cir gets its own factor
1 + SIGMA*z, z ~ N(0, 1) (Python's random.gauss, seeded), per instance; the op-amp library's
internal resistors are left alone (Kelvin perturbs them too; their effect is below 1e-4 of the
gain). Each instance's deck runs in `ngspice -b` with the deck's own `.dc`, the second sweep made
as fine as the cell header's grid for log_multiplier (VY 1 to 10 by 1), and its output is fitted
as Kelvin fits it: the least-squares gain a_k = cov(y0, y_k)/var(y0) against the nominal curve
y0 over all points. Prints the mean gain, its sample standard deviation and sigma/gain (Kelvin's
`--show` line "gain ... (σ/gain ...)").

Docs/characterization.md quotes: log_multiplier, 1000 instances, R = 1 %, seed 7: sigma/gain 0.492
(Kelvin, `kelvin characterize log_multiplier --mc 1000 --tolerance R=1% --seed 7`: 0.490).
"""

import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main():
    cell = sys.argv[1] if len(sys.argv) > 1 else "log_multiplier"
    instances = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
    sigma = float(sys.argv[3]) if len(sys.argv) > 3 else 0.01
    random.seed(int(sys.argv[4]) if len(sys.argv) > 4 else 7)
    if shutil.which("ngspice") is None:
        sys.exit("ngspice is not installed (apt-get install ngspice)")
    deck = open(os.path.join(ROOT, "netlists", cell + ".cir")).read()
    deck = deck.replace(".dc VX 0.5 10 0.5 VY 1 10 3", ".dc VX 0.5 10 0.5 VY 1 10 1")
    deck = re.sub(r"(?im)^\.end\s*$", ".control\nrun\nwrdata out.txt v(z)\nquit\n.endc\n.end", deck)
    lines = deck.split("\n")
    card = re.compile(r"^(R\w*)\s+(\S+)\s+(\S+)\s+(\d+(?:\.\d*)?)(k?)\s*$", re.IGNORECASE)
    with tempfile.TemporaryDirectory() as work:
        shutil.copy(os.path.join(ROOT, "netlists", "opamp.lib"), work)

        def run(text):
            with open(os.path.join(work, "inst.cir"), "w") as f:
                f.write(text)
            subprocess.run(["ngspice", "-b", "inst.cir"], cwd=work, capture_output=True, env=dict(os.environ, HOME=work))
            with open(os.path.join(work, "out.txt")) as f:
                return [float(l.split()[1]) for l in f if l.strip()]

        def perturbed():
            out = []
            for line in lines:
                m = card.match(line)
                if m:
                    value = float(m.group(4)) * (1e3 if m.group(5) else 1)
                    line = f"{m.group(1)} {m.group(2)} {m.group(3)} {value * (1 + sigma * random.gauss(0, 1))!r}"
                out.append(line)
            return "\n".join(out)

        nominal = run(deck)
        mean0 = sum(nominal) / len(nominal)
        var0 = sum((a - mean0) ** 2 for a in nominal)
        gains = []
        for _ in range(instances):
            y = run(perturbed())
            mean = sum(y) / len(y)
            gains.append(sum((a - mean0) * (b - mean) for a, b in zip(nominal, y)) / var0)
    m, s = statistics.mean(gains), statistics.stdev(gains)
    print(f"{cell}: {len(nominal)} points, {instances} instances, R sigma {sigma}: "
          f"gain {m:.6g} ± {s:.6g} (sigma/gain {s / m:.4g})")


if __name__ == "__main__":
    main()
