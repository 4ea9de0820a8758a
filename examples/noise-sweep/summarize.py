#!/usr/bin/env python3
"""Tables and a plot of the noise sweep (run.sh): test top-1 against σ per arm, mean ± sample std
over the finished seeds. usage: summarize.py RUNS_DIR OUT_DIR WIDTH [TAG]
(TAG names the output files results-wWIDTH-TAG.*, e.g. "full" for the 3-epoch, 60 000-image runs)"""
import glob, json, os, re, statistics, sys

runs, out, width = sys.argv[1], sys.argv[2], sys.argv[3]
stem = f"w{width}-{sys.argv[4]}" if len(sys.argv) > 4 and sys.argv[4] else f"w{width}"
pattern = re.compile(rf"w{width}-(digital|both|weight|update)(?:-([0-9.e-]+))?-s(\d+)$")
rows = []
for d in sorted(glob.glob(os.path.join(runs, f"w{width}-*"))):
    m = pattern.search(os.path.basename(d))
    if not m or not os.path.exists(os.path.join(d, "metrics.jsonl")):
        continue
    lines = [json.loads(l) for l in open(os.path.join(d, "metrics.jsonl")) if l.strip()]
    last = lines[-1] if lines else {}
    if "test_top1" not in last:
        continue
    arm, sigma, seed = m.group(1), float(m.group(2) or 0), int(m.group(3))
    rows.append(dict(arm=arm, sigma=sigma, seed=seed, epochs=last["epoch"], top1=last["test_top1"],
                     top5=last["test_top5"], seconds=sum(l["seconds"] for l in lines)))
epochs = max((r["epochs"] for r in rows), default=0)
rows = [r for r in rows if r["epochs"] == epochs]  # partial runs never enter the tables
with open(os.path.join(out, f"results-{stem}.csv"), "w") as f:
    f.write("arm,sigma,seed,epochs,test_top1,test_top5,seconds\n")
    for r in sorted(rows, key=lambda r: (r["arm"], r["sigma"], r["seed"])):
        f.write(f"{r['arm']},{r['sigma']:g},{r['seed']},{r['epochs']},{r['top1']:.4f},{r['top5']:.4f},{r['seconds']:.1f}\n")

def cell(arm, sigma):
    src = [r for r in rows if (r["arm"] == "digital" if sigma == 0 else (r["arm"] == arm and r["sigma"] == sigma))]
    return [100 * r["top1"] for r in src], [100 * r["top5"] for r in src]

def fmt(v):
    if not v: return "—"
    if len(v) == 1: return f"{v[0]:.2f} (1 seed)"
    return f"{statistics.mean(v):.2f} ± {statistics.stdev(v):.2f} (n={len(v)})"

sigmas = sorted({r["sigma"] for r in rows} | {0.0})
arms = ["both", "weight", "update"]
md = [f"Test top-1 / top-5 (%) on the 10 000 Fashion-MNIST test images, ResNet-18 small stem width {width}, "
      f"{epochs} epoch(s); mean ± sample standard deviation over seeds. σ = 0 is the digital run.", "",
      "| σ | " + " | ".join(f"{a}: top-1" for a in arms) + " | " + " | ".join(f"{a}: top-5" for a in arms) + " |",
      "|---|" + "---|" * (2 * len(arms))]
for s in sigmas:
    md.append(f"| {s:g} | " + " | ".join(fmt(cell(a, s)[0]) for a in arms) + " | "
              + " | ".join(fmt(cell(a, s)[1]) for a in arms) + " |")
# Paired by seed (each noisy run shares its seed, hence its initial weights and batch order, with a
# digital run): the difference from that digital run, mean ± std over the seeds.
digital = {r["seed"]: 100 * r["top1"] for r in rows if r["arm"] == "digital"}
def paired(arm, sigma):
    d = [100 * r["top1"] - digital[r["seed"]] for r in rows if r["arm"] == arm and r["sigma"] == sigma and r["seed"] in digital]
    if not d: return "—"
    return f"{statistics.mean(d):+.2f}" + (f" ± {statistics.stdev(d):.2f}" if len(d) > 1 else "") + f" (n={len(d)})"
md += ["", "Top-1 minus the digital run of the same seed (points), mean ± std over seeds:", "",
       "| σ | " + " | ".join(arms) + " |", "|---|" + "---|" * len(arms)]
for s in sigmas:
    if s > 0:
        md.append(f"| {s:g} | " + " | ".join(paired(a, s) for a in arms) + " |")
total = sum(r["seconds"] for r in rows)
md += ["", f"{len(rows)} finished runs, {total / 60:.1f} minutes of training and evaluation in all."]
open(os.path.join(out, f"results-{stem}.md"), "w").write("\n".join(md) + "\n")
print("\n".join(md))

# Plot: top-1 against σ (σ = 0 drawn at the left edge of a log axis), one line per arm, ±1 std bars.
import math
W, H, L, R, T, B = 640, 400, 70, 150, 30, 50
xs = [s for s in sigmas if s > 0]
if xs:
    lo, hi = math.log10(min(xs)) - 1, math.log10(max(xs)) + 0.2
    vals = [v for a in arms for s in sigmas for v in cell(a, s)[0]]
    ylo, yhi = math.floor(min(vals) - 1), math.ceil(max(vals) + 1)
    X = lambda s: L + (W - L - R) * ((math.log10(s) if s > 0 else lo) - lo) / (hi - lo)
    Y = lambda v: T + (H - T - B) * (yhi - v) / (yhi - ylo)
    colors = {"both": "#d62728", "weight": "#1f77b4", "update": "#2ca02c"}
    svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" font-family="sans-serif" font-size="12">',
           f'<rect width="{W}" height="{H}" fill="white"/>',
           f'<line x1="{L}" y1="{H-B}" x2="{W-R}" y2="{H-B}" stroke="black"/><line x1="{L}" y1="{T}" x2="{L}" y2="{H-B}" stroke="black"/>']
    for s in sigmas:
        svg.append(f'<text x="{X(s):.1f}" y="{H-B+16}" text-anchor="middle">{"0" if s == 0 else f"{s:g}"}</text>')
    step = max(1, round((yhi - ylo) / 8))
    for v in range(int(ylo), int(yhi) + 1, step):
        svg.append(f'<text x="{L-6}" y="{Y(v)+4:.1f}" text-anchor="end">{v}</text>'
                   f'<line x1="{L}" y1="{Y(v):.1f}" x2="{W-R}" y2="{Y(v):.1f}" stroke="#ddd"/>')
    svg.append(f'<text x="{(L+W-R)/2}" y="{H-10}" text-anchor="middle">σ (relative noise; 0 = digital)</text>')
    svg.append(f'<text x="16" y="{(T+H-B)/2}" text-anchor="middle" transform="rotate(-90 16 {(T+H-B)/2})">test top-1 (%)</text>')
    for i, a in enumerate(arms):
        pts = []
        for s in sigmas:
            v = cell(a, s)[0]
            if not v: continue
            m = statistics.mean(v); e = statistics.stdev(v) if len(v) > 1 else 0
            x = X(s) + (i - 1) * 4
            pts.append(f"{x:.1f},{Y(m):.1f}")
            svg.append(f'<line x1="{x:.1f}" y1="{Y(m-e):.1f}" x2="{x:.1f}" y2="{Y(m+e):.1f}" stroke="{colors[a]}"/>'
                       f'<circle cx="{x:.1f}" cy="{Y(m):.1f}" r="3" fill="{colors[a]}"/>')
        svg.append(f'<polyline points="{" ".join(pts)}" fill="none" stroke="{colors[a]}"/>')
        svg.append(f'<text x="{W-R+10}" y="{T+20+18*i}" fill="{colors[a]}">{a}</text>')
    svg.append("</svg>")
    open(os.path.join(out, f"accuracy-vs-sigma-{stem}.svg"), "w").write("\n".join(svg) + "\n")
