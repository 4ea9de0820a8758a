#!/usr/bin/env python3
"""results.csv from the eval-*.json files beside it (written by run.sh)."""
import json
import pathlib
import sys

here = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else pathlib.Path(__file__).parent)
rows = ["profile,top1_mean,top1_std,top5_mean,top5_std,chips,energy_per_image_j"]
d = json.loads((here / "eval-digital.json").read_text())
rows.append(f"digital,{d['top1']:.4f},0,{d['top5']:.4f},0,-,")
for f in sorted(here.glob("eval-*.json")):
    name = f.stem[5:]
    if name == "digital":
        continue
    e = json.loads(f.read_text())
    energy = e.get("energy_per_image_j")
    rows.append(f"{name},{e['top1']:.4f},{e['top1_std']:.4f},{e['top5']:.4f},{e['top5_std']:.4f},"
                f"{len(e['repeats'])},{'' if energy is None else f'{energy:.4g}'}")
(here / "results.csv").write_text("\n".join(rows) + "\n")
print("\n".join(rows))
