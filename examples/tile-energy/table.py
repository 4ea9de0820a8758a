#!/usr/bin/env python3
"""The tile table of examples/tile-energy from the compiled layer's report.json and schedule.json."""
import json, sys

runs = sys.argv[1]
macs = 784 * 256
seed = {  # seed 002, "Training Accuracy and Tile Energy/Summary" (14 nm PDK, 8-bit)
    "ReRAM": (12.2, 2.1, 0.38, 0.51), "ECRAM": (11.9, 0.2, 0.39, 1.9), "SONOS": (13.7, 68.2, 0.40, 20),
    "SRAM (digital)": (2718, 4102, 4, 8)}
rows = []
for cell in ["resistor", "vcr"]:
    report = json.load(open(f"{runs}/compiled-{cell}/report.json"))
    schedule = json.load(open(f"{runs}/compiled-{cell}/schedule.json"))
    layer = next(l for l in report["layers"] if str(l.get("index", l.get("layer"))) == "1")
    energy = layer["energy"]["total_j"]
    slot = next(s for s in schedule["slots"] if s["layer"] == "1")
    update = [s for s in schedule.get("training", []) if s.get("layer") == "1" and s.get("phase") == "update"]
    rows.append((cell, energy, slot["duration"], update))

print("| | VMM energy/op (fJ) | update energy/op (fJ) | VMM array latency (µs) | update latency (µs) | source |")
print("|---|--:|--:|--:|--:|---|")
for name, (e, u, t, tu) in seed.items():
    print(f"| {name} | {e:g} | {u:g} | {t:g} | {tu:g} | seed 002 (Sandia, 14 nm PDK) |")
for cell, energy, duration, update in rows:
    per_op = energy / macs * 1e15
    ulat = f"{sum(s['duration'] for s in update) * 1e6:.3g}" if update else "—"
    uen = "not characterised (sample_hold_weight has no supplies= to measure)" if cell == "vcr" else "— (fixed conductances)"
    print(f"| Kelvin `--cell {cell}` | {per_op:,.0f} | {uen} | {duration * 1e6:.3g} | {ulat} | "
          f"kelvin compile (op-amp macro model, ±15 V) |")
