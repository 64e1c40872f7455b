"""The approval window rule (graph/window.py): both ends included, an empty end open, the reason in words."""

from __future__ import annotations

import pytest

from graph.window import inside, outside_reason

FROM, UNTIL = "2024-12-02T09:05:00Z", "2024-12-02T11:00:00Z"


@pytest.mark.parametrize(
    ("at", "until", "expected"),
    [
        (FROM, UNTIL, ""),
        (UNTIL, UNTIL, ""),
        ("2024-12-02T09:04:59Z", UNTIL, f"it started at 2024-12-02T09:04:59Z, before the approval at {FROM}"),
        ("2024-12-02T11:00:01Z", UNTIL, f"it started at 2024-12-02T11:00:01Z, after the approval expired at {UNTIL}"),
        ("2030-01-01T00:00:00Z", "", ""),  # no recorded end: only the start bounds it
        ("", UNTIL, "its start time is unknown"),
    ],
)
def test_inside_and_the_reason_agree(at: str, until: str, expected: str) -> None:
    assert outside_reason(at, FROM, until) == expected
    assert inside(at, FROM, until) is (expected == "")
