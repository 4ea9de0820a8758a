"""Mean ± std over seeds of the whole-network BM fine-tuning (finetune.sh): DIR/seed*/finetune-metrics.jsonl
-> DIR/finetune.md, beside each seed's digital network (train-metrics.jsonl, full test set) and its
conversion table's last row (conversion.json, first test_images test images).

Only seeds whose metrics reach the last epoch (argv[2]) are read.
"""
import json, pathlib, statistics as st, sys

root, epochs = pathlib.Path(sys.argv[1]), int(sys.argv[2])

def read(path):
    return [json.loads(line) for line in open(path) if line.strip()]

seeds = []
for d in sorted(root.glob("seed*")):
    ft = d / "finetune-metrics.jsonl"
    if ft.exists() and any(r["epoch"] == epochs for r in read(ft)):
        seeds.append(d)
if not seeds:
    sys.exit(f"finetune_summary.py: no seed under {root} has finished {epochs} epochs")
n = len(seeds)

def cell(values):
    values = [100 * v for v in values]
    return f"{values[0]:.2f}" if n == 1 else f"{st.mean(values):.2f} ± {st.stdev(values):.2f}"

digital = [read(d / "train-metrics.jsonl")[-1]["test_top1"] for d in seeds]
conv = [json.load(open(d / "conversion.json")) for d in seeds]
ft = [read(d / "finetune-metrics.jsonl") for d in seeds]
lines = [
    f"Seeds: {', '.join(d.name.removeprefix('seed') for d in seeds)} ({n}; {'mean ± sample std' if n > 1 else 'one seed'}); "
    f"all 10 000 test images unless stated.",
    "",
    "| network | top-1 (%) | top-5 (%) | gap to digital (points) | train seconds per epoch (mean) |",
    "|---|---|---|---|---|",
    f"| digital (batch norm) | {cell(digital)} | {cell([read(d / 'train-metrics.jsonl')[-1]['test_top5'] for d in seeds])} | — | — |",
    f"| every layer converted, {conv[0]['finetune_steps']} steps per layer (first {conv[0]['test_images']} test images) "
    f"| {cell([c['rows'][-1]['top1_with_finetuning'] for c in conv])} | — | "
    f"{cell([c['rows'][-1]['top1_with_finetuning'] - c['trained_top1'] for c in conv])} | — |",
]
for e in range(1, epochs + 1):
    rows = [next(r for r in m if r["epoch"] == e) for m in ft]
    lines.append(f"| + {e} epoch{'s' if e > 1 else ''} of whole-network fine-tuning | {cell([r['test_top1'] for r in rows])} | "
                 f"{cell([r['test_top5'] for r in rows])} | {cell([r['test_top1'] - g for r, g in zip(rows, digital)])} | "
                 f"{st.mean(r['seconds'] for r in rows):.0f} |")
(root / "finetune.md").write_text("\n".join(lines) + "\n")
print("\n".join(lines))
