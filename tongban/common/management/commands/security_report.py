"""``tongban security-report``: write docs/security.md from the last security run.

``make security`` runs the tests named in ``tongban/common/data/security_goals.yaml`` with JUnit
XML output (the tests save their figures, e.g. requests tried, to a JSON file) and then this
command, which writes, for each goal G1–G23, met / partly / not yet, the tests and their results,
and the run's figures. Only the block between the markers is rewritten: hand-written sections of
docs/security.md (the "Audit log" section) stay as they are.

``--list-tests`` prints the test paths to run (one line, for the Makefile).
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

GOALS = Path(__file__).resolve().parents[2] / "data" / "security_goals.yaml"
ROOT = Path(settings.BASE_DIR).parent
BEGIN = "<!-- BEGIN security-report: written by `make security` (tongban security-report); do not edit -->"
END = "<!-- END security-report -->"
TITLE = "# Security and reliability goals"


def load_goals() -> dict[str, dict[str, Any]]:
    """The goals file, checked: G1..G23, each with goal, claim and tests."""
    goals: dict[str, dict[str, Any]] = yaml.safe_load(GOALS.read_text(encoding="utf-8"))
    expected = [f"G{n}" for n in range(1, 24)]
    if list(goals) != expected:
        raise CommandError(f"{GOALS} must list {expected[0]}..{expected[-1]} in order")
    for key, goal in goals.items():
        if goal.get("claim") not in ("met", "partly", "not yet"):
            raise CommandError(f"{key}: claim must be met, partly or not yet")
    return goals


def junit_results(path: Path) -> dict[str, str]:
    """pytest node id → passed / failed / skipped, from a JUnit XML file."""
    results: dict[str, str] = {}
    for case in ET.parse(path).getroot().iter("testcase"):  # noqa: S314
        module, name = case.get("classname", ""), case.get("name", "")
        node = module.replace(".", "/") + ".py::" + name
        if case.find("failure") is not None or case.find("error") is not None:
            results[node] = "failed"
        elif case.find("skipped") is not None:
            results[node] = "skipped"
        else:
            results[node] = "passed"
    return results


def _matches(test: str, node: str) -> bool:
    return node == test or node.startswith(test + "::") or node.startswith(test + "[")


def goal_rows(goals: dict[str, dict[str, Any]], results: dict[str, str]) -> list[dict[str, Any]]:
    """One row per goal: the claim checked against the run."""
    rows = []
    for key, goal in goals.items():
        tests = goal.get("tests") or []
        counts: Counter[str] = Counter()
        per_test = []
        for test in tests:
            found = Counter(r for node, r in results.items() if _matches(test, node))
            counts.update(found)
            per_test.append((test, found))
        ran_all = all(found.get("passed") for _, found in per_test)
        status = goal["claim"]
        note = goal.get("missing", "")
        if status != "not yet" and (counts.get("failed") or not ran_all):
            status = "not yet"
            note = "a listed test failed or did not run in the last run" + (f"; {note}" if note else "")
        rows.append({"key": key, "goal": goal["goal"], "status": status, "tests": per_test, "note": note})
    return rows


def render(rows: list[dict[str, Any]], figures: dict[str, Any], results: dict[str, str]) -> str:
    """The generated block (Markdown)."""
    totals = Counter(results.values())
    lines = [
        BEGIN,
        "",
        f"Last run: {totals.get('passed', 0)} tests passed, {totals.get('failed', 0)} failed, "
        f"{totals.get('skipped', 0)} skipped (`make security`; PostgreSQL-only tests skip on SQLite).",
        "",
    ]
    matrix = figures.get("access_matrix")
    if matrix:
        lines.append(
            f"- Access matrix: {matrix['endpoints']} endpoints × {matrix['roles']} roles, "
            f"{matrix['requests']} requests, {matrix['failures']} failures (wrong status, leaked canary or header)."
        )
    fuzz = figures.get("schemathesis")
    if fuzz:
        who = ", ".join(f"{i['identity']} {i['test_cases']}" for i in fuzz["identities"])
        lines.append(
            f"- Schemathesis: {fuzz['test_cases']} test cases ({who}), {fuzz['failures']} failures; "
            f"checks {fuzz['checks'].replace(',', ', ')}; at most {fuzz['max_examples']} examples per operation "
            f"and {fuzz['max_seconds_per_identity']} s per identity."
        )
    bad = Counter(r for node, r in results.items() if node.startswith("tests/security/test_bad_input.py"))
    if bad:
        passed, failed = bad.get("passed", 0), bad.get("failed", 0)
        lines.append(f"- Bad input (every JSON-body operation, bounded parameters): {passed} passed, {failed} failed.")
    lines += ["", "| Goal | Status | Tests (passed/failed/skipped in the last run) | Missing |", "|---|---|---|---|"]
    for row in rows:
        tests = "<br>".join(
            f"`{t}` ({f.get('passed', 0)}/{f.get('failed', 0)}/{f.get('skipped', 0)})" for t, f in row["tests"]
        )
        goal = row["goal"].replace("|", "/")
        lines.append(f"| **{row['key']}** {goal} | {row['status']} | {tests or '—'} | {row['note'] or '—'} |")
    lines += ["", END]
    return "\n".join(lines)


def write_block(path: Path, block: str) -> None:
    """Replace the generated block in ``path`` (other sections are kept)."""
    text = path.read_text(encoding="utf-8") if path.exists() else f"{TITLE}\n\n"
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        tail = rest.split(END, 1)[1]
        text = head + block + tail
    elif text.startswith(TITLE):
        text = f"{TITLE}\n\n{block}\n" + text.removeprefix(TITLE)
    else:  # the hand-written sections follow the generated block
        text = f"{TITLE}\n\n{block}\n\n{text}"
    path.write_text(text.rstrip("\n") + "\n", encoding="utf-8")


class Command(BaseCommand):
    help = "Write docs/security.md (goals G1–G23) from the last `make security` run."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--junit", type=Path, default=ROOT / "var" / "security-junit.xml")
        parser.add_argument("--figures", type=Path, default=ROOT / "var" / "security-figures.json")
        parser.add_argument("--output", type=Path, default=ROOT / "docs" / "security.md")
        parser.add_argument("--list-tests", action="store_true", help="print the test paths to run and stop")

    def handle(self, *args: Any, **options: Any) -> None:
        goals = load_goals()
        if options["list_tests"]:
            paths = sorted({t.split("::")[0] for g in goals.values() for t in g.get("tests") or []})
            self.stdout.write(" ".join(paths))
            return
        if not options["junit"].exists():
            raise CommandError(f"{options['junit']} is missing: run `make security`")
        results = junit_results(options["junit"])
        figures = json.loads(options["figures"].read_text()) if options["figures"].exists() else {}
        rows = goal_rows(goals, results)
        write_block(options["output"], render(rows, figures, results))
        summary = Counter(r["status"] for r in rows)
        self.stdout.write(f"wrote {options['output']}: " + ", ".join(f"{n} {s}" for s, n in sorted(summary.items())))
