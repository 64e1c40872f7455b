"""docs/findings.md lists every rule as queries/rules_table.py generates it, and names every rule id."""

from __future__ import annotations

from queries.findings import RULES
from queries.rules_table import markdown
from tests.conftest import REPO

_BEGIN, _END = "<!-- BEGIN GENERATED RULES -->\n", "<!-- END GENERATED RULES -->"


def test_the_findings_page_holds_the_generated_rule_table() -> None:
    text = (REPO / "docs" / "findings.md").read_text()
    generated = text.split(_BEGIN, 1)[1].split(_END, 1)[0]
    assert generated == markdown(), "docs/findings.md is stale: paste `python -m queries.rules_table` in"
    assert all(f"| {rule.id} |" in generated for rule in RULES)
