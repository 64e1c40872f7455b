"""Commands and queries as a session's evidence, with the secrets people type into them masked.

Audit logs capture command lines and query text as typed (sudo's COMMAND=, Teleport's
session.command argv and db.session.query), and people type passwords into them
(`mysql -pS3cret`, `--password=…`, `IDENTIFIED BY '…'`, `PASSWORD '…'`, `token=…`). keytrail
keeps the command — it is what was done — but never a secret value, so every value in those
positions becomes `****` before the text reaches the graph. Commands longer than MAX_COMMAND
characters are cut (the evidence pointer leads to the whole line).
"""

from __future__ import annotations

import re

__all__ = ["MAX_COMMAND", "MAX_COMMANDS", "mask_command"]

MAX_COMMAND = 500
MAX_COMMANDS = 50  # distinct commands kept per session and target; the count stays exact
MASK = "****"
_PATTERNS = (
    # -p<password> glued to the flag (mysql), --password=…, --token …, -P/--passwd
    re.compile(r"(?P<lead>(?:^|\s)-p)(?P<value>[^\s-]\S*)"),
    re.compile(r"(?P<lead>--?(?:password|passwd|pass|token|secret|api[-_]?key)[= ])(?P<value>\S+)", re.I),
    # key=value pairs and env assignments naming a secret
    re.compile(r"(?P<lead>\b[\w.-]*(?:password|passwd|secret|token|api[-_]?key)[\w.-]*=)(?P<value>\S+)", re.I),
    # SQL: IDENTIFIED BY '…', PASSWORD '…'
    re.compile(r"(?P<lead>\b(?:IDENTIFIED\s+BY|PASSWORD)\s+)(?P<value>'(?:[^']|'')*'|\"[^\"]*\"|\S+)", re.I),
    # Authorization headers: Bearer / Basic credentials
    re.compile(r"(?P<lead>\b(?:Bearer|Basic)\s+)(?P<value>[A-Za-z0-9._~+/=-]{8,})"),
)


def mask_command(text: str) -> str:
    masked = text
    for pattern in _PATTERNS:
        masked = pattern.sub(lambda m: m["lead"] + MASK, masked)
    return masked if len(masked) <= MAX_COMMAND else masked[: MAX_COMMAND - 1] + "…"
