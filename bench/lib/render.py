#!/usr/bin/env python3
"""Turns the JSON lines the bench/ scripts wrote (lib/results.sh) into the results of docs/benchmarks.md: a markdown table and an
SVG chart of the ratios against their bars. Used by bench/run-all.sh; no plotting library is needed.

    render.py results.jsonl table.md chart.svg "heading line (machine, date)"
"""
import html
import json
import sys

results_path, table_path, chart_path, heading = sys.argv[1:5]
rows = [json.loads(line) for line in open(results_path) if line.strip()]


def verdict(r):
    if r["bar"] is None:
        return "—"
    met = r["value"] >= r["bar"] if r["direction"] == "min" else r["value"] <= r["bar"]
    return "met" if met else "**not met**"


def fmt(value, unit):
    if unit == "x":
        return f"{value:.3f}x"
    if abs(value) >= 100:
        return f"{value:,.0f} {unit}"
    return f"{value:.3g} {unit}"


def bar_text(r):
    if r["bar"] is None:
        return ""
    return ("≥ " if r["direction"] == "min" else "≤ ") + fmt(r["bar"], r["unit"])


lines = [heading, "", "| measure | result | bar | | how / what limits it |", "| --- | --- | --- | --- | --- |"]
for r in rows:
    detail = r["detail"].replace("|", "\\|")
    lines.append(f"| {r['label']} (`{r['id']}`) | {fmt(r['value'], r['unit'])} | {bar_text(r)} | {verdict(r)} | {detail} |")
open(table_path, "w").write("\n".join(lines) + "\n")

# The chart: every ratio (unit x) as a horizontal bar, its target as a tick; green when met, red when not, grey when
# there is no bar. The scale runs to the largest of 1.2 and the values, so 1.0 (no cost) sits at the same place.
ratios = [r for r in rows if r["unit"] == "x"]
width, left, right, row_h, top = 1120, 540, 70, 30, 50
scale_max = max([1.2] + [r["value"] for r in ratios] + [r["bar"] or 0 for r in ratios])
scale_max = min(scale_max, 6.0)
plot_w = width - left - right
height = top + row_h * len(ratios) + 40
x = lambda v: left + plot_w * min(v, scale_max) / scale_max
svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="13">',
       f'<rect width="{width}" height="{height}" fill="white"/>',
       f'<text x="10" y="22" font-size="15" font-weight="bold">{html.escape(heading.replace("**", ""))}</text>']
for tick in [t / 10 for t in range(0, int(scale_max * 10) + 1, 2 if scale_max <= 2 else 5)]:
    svg.append(f'<line x1="{x(tick):.1f}" y1="{top - 8}" x2="{x(tick):.1f}" y2="{height - 30}" stroke="#ddd"/>')
    svg.append(f'<text x="{x(tick):.1f}" y="{height - 14}" text-anchor="middle" fill="#555">{tick:g}x</text>')
for i, r in enumerate(ratios):
    y = top + i * row_h
    colour = "#999" if r["bar"] is None else ("#2e8b57" if verdict(r) == "met" else "#c0392b")
    svg.append(f'<text x="{left - 8}" y="{y + 15}" text-anchor="end">{html.escape(r["label"])}</text>')
    svg.append(f'<rect x="{left}" y="{y + 3}" width="{max(1.0, x(r["value"]) - left):.1f}" height="{row_h - 10}" fill="{colour}"/>')
    label_x = max(x(r["value"]), x(r["bar"]) if r["bar"] is not None else 0) + 4  # clear of the bar's tick
    svg.append(f'<text x="{label_x:.1f}" y="{y + 15}">{r["value"]:.2f}</text>')
    if r["bar"] is not None:
        svg.append(f'<line x1="{x(r["bar"]):.1f}" y1="{y}" x2="{x(r["bar"]):.1f}" y2="{y + row_h - 4}" stroke="black" stroke-width="2"/>')
svg.append("</svg>")
open(chart_path, "w").write("\n".join(svg) + "\n")
print(f"wrote {table_path} and {chart_path} ({len(rows)} results, {len(ratios)} ratios charted)")
