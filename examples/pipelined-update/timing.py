#!/usr/bin/env python3
"""Time per batch on the analog machine, standard against pipelined update, from the compiler's
schedule (kelvin compile DIR/schedule.json: every slot's length is its module's characterised
settling). usage: timing.py COMPILED_DIR MICRO_BATCHES IMAGES_PER_MICRO_BATCH

Per lowered stage b (a module: conv/linear with its folded batch norm and ReLU, or a pooling
circuit), per image: forward f_b = its inference slots, backward g_b = its backward-read slots,
update u_b = its weight-update slots (schedule.json `training`). Each stage's module does its own
forward, backward and update, so it is busy w_b = m·(f_b + g_b + u_b) per micro-batch of m images.
Standard SGD at micro-batch m runs the micro-batches one after another through every stage:
    T_standard = M · Σ_b w_b.
The pipelined update overlaps them: the first micro-batch takes Σ_b w_b, and each later one adds
the busiest stage's time (a pipeline's throughput is its slowest stage):
    T_pipelined = Σ_b w_b + (M − 1) · max_b w_b.
"""
import collections, json, sys

compiled, M, m = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
s = json.load(open(f"{compiled}/schedule.json"))
f, g, u = (collections.defaultdict(float) for _ in range(3))
for slot in s["slots"]:
    f[slot["layer"]] += slot["duration"]
for slot in s.get("training", []):
    (g if slot["phase"] == "backward" else u)[slot["layer"]] += slot["duration"]
stages = sorted(set(f) | set(g) | set(u), key=int)
w = {b: m * (f[b] + g[b] + u[b]) for b in stages}
standard = M * sum(w.values())
pipelined = sum(w.values()) + (M - 1) * max(w.values())
print(f"| stage (layer) | forward per image (µs) | backward read (µs) | update (µs) | busy per micro-batch of {m} (ms) |")
print("|---|--:|--:|--:|--:|")
for b in stages:
    print(f"| {b} | {f[b] * 1e6:.1f} | {g[b] * 1e6:.1f} | {u[b] * 1e6:.1f} | {w[b] * 1e3:.2f} |")
print()
print(f"Batch of {M} micro-batches × {m} images: standard {standard * 1e3:.1f} ms, pipelined {pipelined * 1e3:.1f} ms "
      f"({standard / pipelined:.2f}× faster; the busiest stage, layer {max(w, key=w.get)}, sets the pipeline's pace).")
