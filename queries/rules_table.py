"""`python -m queries.rules_table`: print the rule table of docs/findings.md, generated from `RULES`.

The table between the markers in docs/findings.md is this output; a test fails when it is stale.
"""

from __future__ import annotations

from queries.findings import RULES
from queries.rules_base import OWASP_NAMES

__all__ = ["markdown"]


def markdown() -> str:
    rows = ["| rule | v | severity | OWASP NHI | title | action | keep suppresses |", "|---|---|---|---|---|---|---|"]
    for rule in RULES:
        owasp = f"{rule.owasp.value} {OWASP_NAMES[rule.owasp]}"
        keep = "yes" if rule.keep_suppresses else ""
        rows.append(
            f"| {rule.id} | {rule.version} | {rule.severity.value} | {owasp} | {rule.title} | {rule.action} | {keep} |"
        )
    return "\n".join(rows) + "\n"


if __name__ == "__main__":
    print(markdown(), end="")
