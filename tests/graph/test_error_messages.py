"""Error messages quote values cut short (issue 23 item 3): a hostile value may be 1 MB, and a
message that repeats it is unreadable in a terminal, a log line or a load report."""

from __future__ import annotations

import pytest

from graph import ids
from graph.errors import LoadError, ModelError, quoted
from graph.model import Node, canonical_timestamp, validate_id
from graph.schema import NodeKind

BIG = "x" * 1_000_000


def test_quoted_cuts_long_values_and_names_their_length() -> None:
    assert quoted("short") == "'short'"
    cut = quoted(BIG)
    assert cut.startswith("'xxx") and cut.endswith("… (1,000,000 characters)") and len(cut) < 160


@pytest.mark.parametrize(
    "call",
    [
        lambda: validate_id("aws:" + BIG),
        lambda: validate_id("aws:a b" + BIG),
        lambda: ids.aws_arn("arn:" + BIG + " x"),
        lambda: ids.aws_key("AKIA" + BIG),
        lambda: ids.session("aws", "a " + BIG),
        lambda: ids.person("not-an-email" + BIG),
        lambda: canonical_timestamp("2025" + BIG),
        lambda: Node.make(id="session:aws:x", kind=NodeKind.SESSION, subtype="t", name="n", props={"event_count": BIG}),
    ],
    ids=["id-long", "id-space", "arn", "key", "session-part", "email", "timestamp", "property"],
)
def test_model_errors_quote_at_most_about_120_characters(call) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ModelError) as raised:
        call()
    assert len(str(raised.value)) < 300


def test_a_load_error_keeps_a_short_reason() -> None:
    error = LoadError(f"bad value {BIG}", file="trail.jsonl", line=20)
    assert str(error).startswith("trail.jsonl, line 20: bad value xxx") and len(str(error)) < 450
    assert "characters cut" in error.reason
