"""Mean ± std over seeds of `kelvin bm-convert` tables: DIR/seed*/conversion.json -> DIR/results.md.

Only finished conversions (conversion.json, written at the end of a run) are read; an unfinished
seed (progress.json only) is left out and the table says how many seeds it holds.
"""
import json, pathlib, statistics as st, sys

root = pathlib.Path(sys.argv[1])
runs = sorted(root.glob("seed*/conversion.json"))
if not runs:
    sys.exit(f"summarize.py: no finished conversion under {root}")
data = [json.load(open(p)) for p in runs]
seeds = [p.parent.name.removeprefix("seed") for p in runs]
n = len(data)

def cell(values):
    values = [100 * v for v in values]
    return f"{values[0]:.2f}" if n == 1 else f"{st.mean(values):.2f} ± {st.stdev(values):.2f}"

steps = {d["finetune_steps"] for d in data}
tests = {d["test_images"] for d in data}
lines = [
    f"Seeds: {', '.join(seeds)} ({n}; {'mean ± sample std' if n > 1 else 'one seed'}); "
    f"fine-tuning steps per layer: {', '.join(map(str, sorted(steps)))}; test images: {', '.join(map(str, sorted(tests)))}.",
    "",
    f"Trained (digital, batch norm): {cell([d['trained_top1'] for d in data])} %; batch norm folded: "
    f"{cell([d['folded_top1'] for d in data])} %.",
    "",
    "| layers converted | last converted | no fine-tuning (%) | layer-by-layer, before FT (%) | with fine-tuning (%) | seconds (mean) |",
    "|---|---|---|---|---|---|",
]
rows = min(len(d["rows"]) for d in data)
for k in range(rows):
    r = [d["rows"][k] for d in data]
    lines.append(f"| {k} | {r[0]['converted']} | {cell([x['top1_without_finetuning'] for x in r])} | "
                 f"{cell([x['top1_converted_before_finetuning'] for x in r])} | {cell([x['top1_with_finetuning'] for x in r])} | "
                 f"{st.mean(x['seconds'] for x in r):.0f} |")
total = [sum(x["seconds"] for x in d["rows"]) for d in data]
lines += ["", f"Conversion time per seed: {', '.join(f'{t / 60:.1f}' for t in total)} min."]
(root / "results.md").write_text("\n".join(lines) + "\n")
print("\n".join(lines))
