#!/usr/bin/env python3
"""Table of examples/bm-resnet/analog.sh: BM `cnn` networks (1, 2, 3 converted layers) evaluated
digitally and under the `cells-bm` profile. Reads DIR/seed*-bm*-{digital,cells-bm}.json (finished
evaluations only) and writes DIR/results.md.

Usage: analog_summary.py DIR
"""
import glob, json, os, re, statistics, sys

def mean_std(v):
    if not v:
        return "—"
    m = statistics.mean(v)
    s = statistics.stdev(v) if len(v) > 1 else 0.0
    return f"{100 * m:.2f} ± {100 * s:.2f}"

out = sys.argv[1]
runs = {}
for path in glob.glob(os.path.join(out, "seed*-bm*-*.json")):
    m = re.match(r"seed(\d+)-bm(\d)-(digital|cells-bm)\.json$", os.path.basename(path))
    if m:
        runs.setdefault(int(m.group(2)), {}).setdefault(int(m.group(1)), {})[m.group(3)] = json.load(open(path))

names = {1: "conv 1→16", 2: "+ conv 16→32", 3: "+ linear 1568→10 (all)"}
lines = ["# BM `cnn` on analog cells (`cells-bm`)", "",
         "Produced by `examples/bm-resnet/analog.sh` (first 1 000 test images; each seed's chips are",
         "`--chip-seed 0 …`; ± is the sample standard deviation). `cells-bm` per seed is the mean over its",
         "chips; *chip spread* is the mean over seeds of the std over chips; *difference* is cells-bm − digital",
         "per seed (paired).", "",
         "| layers converted | seeds | digital BM top-1 (%) | cells-bm top-1 (%) | chip spread | difference (points) | log / max / exp operations per image | max-circuit energy per image |",
         "|---|---|---|---|---|---|---|---|"]
for k in sorted(runs):
    seeds = sorted(s for s, r in runs[k].items() if "digital" in r and "cells-bm" in r)
    if not seeds:
        continue
    digital = [runs[k][s]["digital"]["top1"] for s in seeds]
    analog = [runs[k][s]["cells-bm"]["top1"] for s in seeds]
    spread = statistics.mean(runs[k][s]["cells-bm"]["top1_std"] for s in seeds)
    diff = [a - d for a, d in zip(analog, digital)]
    first = runs[k][seeds[0]]["cells-bm"]
    ops = first.get("operations_per_image", {})
    energy = (first.get("energy_per_image_by_cell_j") or {}).get("max")
    chips = len(first.get("repeats", []))
    lines.append(f"| {k} ({names.get(k, '')}) | {len(seeds)} × {chips} chips | {mean_std(digital)} | {mean_std(analog)} | "
                 f"{100 * spread:.2f} | {mean_std(diff)} | {ops.get('log', 0):.0f} / {ops.get('max', 0):.0f} / {ops.get('exp', 0):.0f} | "
                 + (f"{1e3 * energy:.1f} mJ" if energy is not None else "n/a") + " |")
open(os.path.join(out, "results.md"), "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
