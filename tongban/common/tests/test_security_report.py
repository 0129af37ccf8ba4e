"""docs/security.md is written by a command: goals checked against the run, hand-written
sections kept."""

from __future__ import annotations

from pathlib import Path

from tongban.common.management.commands.security_report import (
    BEGIN,
    END,
    goal_rows,
    junit_results,
    load_goals,
    render,
    write_block,
)

JUNIT = """<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="pytest">
<testcase classname="tests.security.test_headers" name="test_a" />
<testcase classname="tests.security.test_headers" name="test_b[x]"><failure message="no"/></testcase>
<testcase classname="tongban.workdays.tests.test_calendar" name="test_c" />
<testcase classname="tongban.cases.tests.test_concurrency" name="test_two_thousand_concurrent_creations_from_processes">
<skipped message="needs PostgreSQL"/></testcase>
</testsuite></testsuites>"""


def test_every_goal_is_listed_with_a_known_claim() -> None:
    goals = load_goals()
    assert list(goals) == [f"G{n}" for n in range(1, 24)]
    assert all(g["claim"] in ("met", "partly", "not yet") for g in goals.values())


def test_a_claim_holds_only_when_its_tests_passed(tmp_path: Path) -> None:
    path = tmp_path / "junit.xml"
    path.write_text(JUNIT)
    results = junit_results(path)
    assert results["tests/security/test_headers.py::test_b[x]"] == "failed"
    rows = {r["key"]: r for r in goal_rows(load_goals(), results)}
    assert rows["G1"]["status"] == "not yet"  # a header test failed (and the matrix did not run)
    assert rows["G18"]["status"] == "met"  # the calendar test passed
    assert rows["G6"]["status"] == "not yet"  # skipped on SQLite: not proven
    assert "did not run" in rows["G6"]["note"]


def test_the_block_is_replaced_and_the_audit_section_kept(tmp_path: Path) -> None:
    doc = tmp_path / "security.md"
    doc.write_text("## Audit log\n\nHand-written by the audit module.\n")
    rows = goal_rows(load_goals(), {})
    write_block(doc, render(rows, {"access_matrix": {"endpoints": 3, "roles": 2, "requests": 6, "failures": 0}}, {}))
    first = doc.read_text()
    assert first.startswith("# Security and reliability goals\n\n" + BEGIN)
    assert first.count(BEGIN) == 1 and first.count(END) == 1
    assert first.index(END) < first.index("## Audit log")
    assert "## Audit log\n\nHand-written by the audit module." in first
    assert "3 endpoints × 2 roles, 6 requests, 0 failures" in first
    write_block(doc, render(rows, {}, {}))
    second = doc.read_text()
    assert second.count(BEGIN) == 1 and "Hand-written by the audit module." in second
    assert "6 requests" not in second
