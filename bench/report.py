"""Render every bench/results/*.json into docs/benchmarks.md."""

from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _fmt(value: object) -> str:
    if isinstance(value, float):
        if value >= 100:
            return f"{value:,.0f}"
        if value >= 1:
            return f"{value:.2f}"
        return f"{value:.3g}"
    return "" if value is None else str(value)


def main() -> None:
    from common import SERVE_THREADS

    parts = [
        "# Benchmarks",
        "",
        "Every figure here is written by `make bench` (each `bench/bench_*.py` writes "
        "`bench/results/<name>.json`, then `bench/report.py` renders this page). Figures are medians of "
        "several runs unless a row says otherwise. Rerun them with the command under each section. "
        "HTTP figures come from granian serving the WSGI app as `make serve` does (`bench/common.py`: "
        f"2 workers × {SERVE_THREADS} threads), loaded by wrk on the same 2 cores.",
        "",
    ]
    for path in sorted((ROOT / "bench" / "results").glob("*.json")):
        data = json.loads(path.read_text())
        parts += [f"## {data['title']}", ""]
        parts += [f"- Command: `{data['command']}`"]
        if data.get("machine"):
            parts += [f"- Machine: {data['machine']}"]
        if data.get("measured_at"):
            parts += [f"- Measured: {data['measured_at']}"]
        parts += ["", "| measure | value | unit | target | notes |", "|---|---:|---|---|---|"]
        for row in data["rows"]:
            parts.append(
                f"| {row['name']} | {_fmt(row.get('value'))} | {row.get('unit', '')} | "
                f"{row.get('target') or ''} | {row.get('notes') or ''} |"
            )
        if data.get("notes"):
            parts += ["", data["notes"]]
        parts.append("")
    (ROOT / "docs" / "benchmarks.md").write_text("\n".join(parts))
    print(f"wrote docs/benchmarks.md from {len(list((ROOT / 'bench' / 'results').glob('*.json')))} result file(s)")


if __name__ == "__main__":
    main()
