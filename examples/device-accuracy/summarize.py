#!/usr/bin/env python3
"""Tables of the device accuracy experiment (run.sh): per profile, top-1/top-5 as the mean over
seeds of each seed's mean over its chips, ± the sample std over seeds; the chip-to-chip spread
is the mean over seeds of the std between chips. Only finished evaluations (eval/*.json) count.
usage: summarize.py DIR"""
import glob, json, os, re, statistics, sys

here = sys.argv[1]
evals = {}
for f in glob.glob(os.path.join(here, "eval", "s*.json")):
    m = re.match(r"s(\d+)-(.+)\.json$", os.path.basename(f))
    e = json.load(open(f))
    evals.setdefault(m.group(2), {})[int(m.group(1))] = e

def top(e, k):
    return 100 * e[f"top{k}"]

def chip_std(e):
    r = e.get("repeats", [])
    return statistics.stdev([100 * x["top1"] for x in r]) if len(r) > 1 else 0.0

def fmt(v):
    if not v: return "—"
    if len(v) == 1: return f"{v[0]:.2f} (1 seed)"
    return f"{statistics.mean(v):.2f} ± {statistics.stdev(v):.2f}"

def row(name):
    by = evals.get(name, {})
    seeds = sorted(by)
    t1 = [top(by[s], 1) for s in seeds]; t5 = [top(by[s], 5) for s in seeds]
    diff = [top(by[s], 1) - top(evals["digital"][s], 1) for s in seeds if s in evals.get("digital", {})]
    chips = [len(by[s].get("repeats", [])) for s in seeds]
    return seeds, t1, t5, diff, [chip_std(by[s]) for s in seeds], chips

paper = {"digital": ("77.5", "93.3"), "reram": ("76.4", "93.3"), "sonos": ("74.0", "92.5"), "pcm": ("28.2", "49.7"), "ecram": ("—", "—")}
csv = ["what,seed,chips,top1,top5,top1_chip_std"]
for name, by in sorted(evals.items()):
    for s, e in sorted(by.items()):
        csv.append(f"{name},{s},{len(e.get('repeats', []))},{e['top1']:.4f},{e['top5']:.4f},{chip_std(e) / 100:.4f}")
open(os.path.join(here, "results.csv"), "w").write("\n".join(csv) + "\n")

limit = next((e.get("images") for by in evals.values() for e in by.values()), None)
md = [f"Top-1 / top-5 (%) on the first {limit} Fashion-MNIST test images; mean ± sample std over the training seeds "
      "of each seed's mean over its chips; chip spread: mean over seeds of the std between chips; "
      "difference: paired with the same seed's digital network (points).", "",
      "| profile | seeds × chips | top-1 | chip spread | difference | top-5 | fine-tuned, fresh chip per step: top-1 | difference | fine-tuned, one chip: top-1 | difference | seed 002 (ResNet-50, ImageNet): top-1 / top-5 |",
      "|---|---|---|---|---|---|---|---|---|---|---|"]
for p in ["digital", "reram", "sonos", "pcm", "ecram"]:
    seeds, t1, t5, diff, cs, chips = row(p)
    if not seeds: continue
    _, s1, _, sd, _, _ = row(f"{p}-tuned-step")
    _, f1, _, fd, _, _ = row(f"{p}-tuned-fixed")
    label = "digital (float)" if p == "digital" else p
    n = f"{len(seeds)} × {chips[0]}" if p != "digital" else f"{len(seeds)}"
    spread = "—" if p == "digital" else f"{statistics.mean(cs):.2f}"
    d = "—" if p == "digital" else fmt(diff)
    md.append(f"| {label} | {n} | {fmt(t1)} | {spread} | {d} | {fmt(t5)} | {fmt(s1)} | {fmt(sd) if sd else '—'} | {fmt(f1)} | {fmt(fd) if fd else '—'} | {paper[p][0]} / {paper[p][1]} |")
md += ["", "PCM after programming (chips 100…, the same devices drifting), without and with global drift compensation, and the network fine-tuned under pcm (a chip per step) with global compensation (its 1 s cell: at programming time, no drift):", "",
       "| time | top-1, none | chip spread | top-1, global | chip spread | top-5, none / global | fine-tuned, global: top-1 |", "|---|---|---|---|---|---|---|"]
for t in ["1s", "1h", "1d", "1y"]:
    _, a1, a5, _, acs, _ = row(f"pcm-{t}-off")
    _, b1, b5, _, bcs, _ = row(f"pcm-{t}-global")
    if not a1 and not b1: continue
    sp = lambda c: f"{statistics.mean(c):.2f}" if c else "—"
    m5 = lambda v: f"{statistics.mean(v):.2f}" if v else "—"
    _, c1, _, _, _, _ = row(f"pcm-tuned-step-{t}-global" if t != "1s" else "pcm-tuned-step")
    md.append(f"| {t} | {fmt(a1)} | {sp(acs)} | {fmt(b1)} | {sp(bcs)} | {m5(a5)} / {m5(b5)} | {fmt(c1)} |")
open(os.path.join(here, "results.md"), "w").write("\n".join(md) + "\n")
print("\n".join(md))

# Plots: top-1 per profile (untuned, fine-tuned with a chip per step), and PCM top-1 against time.
import math
def mean_std(v):
    return (statistics.mean(v), statistics.stdev(v) if len(v) > 1 else 0.0) if v else None

def frame(W, H, L, R, T, B, ylo, yhi, ylabel, xlabel):
    Y = lambda v: T + (H - T - B) * (yhi - v) / (yhi - ylo)
    svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" font-family="sans-serif" font-size="12">',
           f'<rect width="{W}" height="{H}" fill="white"/>',
           f'<line x1="{L}" y1="{H-B}" x2="{W-R}" y2="{H-B}" stroke="black"/><line x1="{L}" y1="{T}" x2="{L}" y2="{H-B}" stroke="black"/>',
           f'<text x="{(L+W-R)/2}" y="{H-8}" text-anchor="middle">{xlabel}</text>',
           f'<text x="16" y="{(T+H-B)/2}" text-anchor="middle" transform="rotate(-90 16 {(T+H-B)/2})">{ylabel}</text>']
    step = max(1, round((yhi - ylo) / 8))
    for v in range(int(ylo), int(yhi) + 1, step):
        svg.append(f'<text x="{L-6}" y="{Y(v)+4:.1f}" text-anchor="end">{v}</text>'
                   f'<line x1="{L}" y1="{Y(v):.1f}" x2="{W-R}" y2="{Y(v):.1f}" stroke="#ddd"/>')
    return svg, Y

profiles = [p for p in ["digital", "reram", "sonos", "pcm", "ecram"] if evals.get(p)]
if profiles:
    series = [("as trained", "", "#1f77b4"), ("fine-tuned, chip per step", "-tuned-step", "#2ca02c"), ("fine-tuned, one chip", "-tuned-fixed", "#ff7f0e")]
    vals = [v for p in profiles for _, suf, _ in series for v in row(p + suf)[1]]
    W, H, L, R, T, B = 640, 400, 60, 190, 30, 50
    svg, Y = frame(W, H, L, R, T, B, math.floor(min(vals) - 1), math.ceil(max(vals) + 0.5), "top-1 (%)", "profile (8-bit DAC and ADC)")
    group = (W - L - R) / len(profiles)
    for i, p in enumerate(profiles):
        svg.append(f'<text x="{L + group*(i+0.5):.1f}" y="{H-B+16}" text-anchor="middle">{p}</text>')
        for j, (label, suf, color) in enumerate(series):
            ms = mean_std(row(p + suf)[1])
            if not ms: continue
            x = L + group * i + group * (0.2 + 0.2 * j)
            svg.append(f'<rect x="{x:.1f}" y="{Y(ms[0]):.1f}" width="{group*0.18:.1f}" height="{Y(math.floor(min(vals) - 1)) - Y(ms[0]):.1f}" fill="{color}"/>'
                       f'<line x1="{x + group*0.09:.1f}" y1="{Y(ms[0]-ms[1]):.1f}" x2="{x + group*0.09:.1f}" y2="{Y(ms[0]+ms[1]):.1f}" stroke="black"/>')
    for j, (label, _, color) in enumerate(series):
        svg.append(f'<rect x="{W-R+10}" y="{T+10+18*j}" width="10" height="10" fill="{color}"/><text x="{W-R+26}" y="{T+19+18*j}">{label}</text>')
    svg.append("</svg>")
    open(os.path.join(here, "accuracy-by-device.svg"), "w").write("\n".join(svg) + "\n")

times = [("1s", 1), ("1h", 3600), ("1d", 86400), ("1y", 365.25 * 86400)]
if any(evals.get(f"pcm-{t}-off") for t, _ in times):
    W, H, L, R, T, B = 640, 400, 60, 190, 30, 50
    svg, Y = frame(W, H, L, R, T, B, 0, 100, "top-1 (%)", "time after programming (s, log)")
    X = lambda s: L + (W - L - R) * (math.log10(s) - 0) / (math.log10(times[-1][1]) - 0)
    for t, s in times:
        svg.append(f'<text x="{X(s):.1f}" y="{H-B+16}" text-anchor="middle">{t}</text>')
    for j, (mode, color) in enumerate([("off", "#d62728"), ("global", "#1f77b4")]):
        pts = []
        for t, s in times:
            ms = mean_std(row(f"pcm-{t}-{mode}")[1])
            if not ms: continue
            pts.append(f"{X(s):.1f},{Y(ms[0]):.1f}")
            svg.append(f'<circle cx="{X(s):.1f}" cy="{Y(ms[0]):.1f}" r="3" fill="{color}"/>'
                       f'<line x1="{X(s):.1f}" y1="{Y(ms[0]-ms[1]):.1f}" x2="{X(s):.1f}" y2="{Y(ms[0]+ms[1]):.1f}" stroke="{color}"/>')
        svg.append(f'<polyline points="{" ".join(pts)}" fill="none" stroke="{color}"/>')
        svg.append(f'<text x="{W-R+10}" y="{T+20+18*j}" fill="{color}">{"no compensation" if mode == "off" else "global compensation"}</text>')
    svg.append("</svg>")
    open(os.path.join(here, "pcm-drift.svg"), "w").write("\n".join(svg) + "\n")
