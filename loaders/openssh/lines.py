"""Auth-log lines as sshd and sudo write them, in the framings syslog and journald give them.

Framings read (each line judged alone, so one file may mix them):

- classic BSD syslog `Nov 12 21:40:11 host sshd[123]: message` — no year and no zone: the
  year is the load's `--year`, else the file's modification time (a line dated after the file
  was last written is from the year before: logs rotate across New Year), and the time is UTC;
  the loader's summary note says which year it took from where;
- ISO framings: rsyslog's RFC 3339 (`2024-11-12T21:40:11.123456+00:00 host sshd[123]: ...`),
  journald `-o short-iso` (`2024-11-12T21:40:11+0000 host sshd[123]: ...`) and RFC 5424
  (`<38>1 2024-11-12T21:40:11.003Z host sshd 123 - - message`);
- journald `-o json` export: one object per line with `MESSAGE`, `_HOSTNAME`,
  `SYSLOG_IDENTIFIER`, `_PID` and `__REALTIME_TIMESTAMP` (microseconds since the epoch).

Programs kept: `sshd`, `sshd-session` (OpenSSH ≥ 9.8 logs the session half under that name),
`sudo`, and `useradd` (for the uid of an account it creates). Other programs' lines are skipped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

import orjson

from graph.errors import ModelError
from graph.model import canonical_timestamp

__all__ = ["PROGRAMS", "LogLine", "dated", "parse_line", "year_for"]

PROGRAMS = frozenset({"sshd", "sshd-session", "sudo", "useradd"})
_MONTHS = {
    m: i for i, m in enumerate(("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1)
}
_CLASSIC = re.compile(
    r"^(?P<mon>[A-Z][a-z]{2}) {1,2}(?P<day>\d{1,2}) (?P<time>\d{2}:\d{2}:\d{2}) (?P<host>\S+) "
    r"(?P<prog>[A-Za-z0-9_./-]+)(?:\[(?P<pid>\d+)\])?: (?P<msg>.*)$"
)
_ISO = re.compile(
    r"^(?P<at>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?) (?P<host>\S+) "
    r"(?P<prog>[A-Za-z0-9_./-]+)(?:\[(?P<pid>\d+)\])?: (?P<msg>.*)$"
)
_RFC5424 = re.compile(
    r"^<\d{1,3}>1 (?P<at>\S+) (?P<host>\S+) (?P<prog>\S+) (?P<pid>\S+) \S+ (?:-|\[.*?\]) ?(?P<msg>.*)$"
)


@dataclass(frozen=True, slots=True)
class LogLine:
    """One line's frame. `at` is canonical UTC text, or empty for a classic line, whose
    (month, day, time) wait in `undated` for the year the loader decides."""

    at: str
    undated: tuple[int, int, str] | None
    host: str
    program: str
    pid: str
    message: str


def _iso(text: str) -> str:
    if re.search(r"[+-]\d{4}$", text):  # short-iso's +0000: fromisoformat wants +00:00
        text = f"{text[:-2]}:{text[-2:]}"
    return canonical_timestamp(text)


def _journald(text: str) -> LogLine | str | None:
    try:
        entry = orjson.loads(text)
    except orjson.JSONDecodeError:
        return "invalid JSON in a journald export line"
    if not isinstance(entry, dict):
        return "a journald export line must be a JSON object"
    program = str(entry.get("SYSLOG_IDENTIFIER") or entry.get("_COMM") or "")
    if program not in PROGRAMS:
        return None
    message, host, stamp = entry.get("MESSAGE"), entry.get("_HOSTNAME"), entry.get("__REALTIME_TIMESTAMP")
    if not isinstance(message, str) or not isinstance(host, str) or not host:
        return "journald entry without a text MESSAGE and _HOSTNAME"
    try:
        at = canonical_timestamp(int(str(stamp)) / 1_000_000)
    except (TypeError, ValueError, ModelError, OverflowError):
        return f"journald entry with a malformed __REALTIME_TIMESTAMP {stamp!r}"
    pid = str(entry.get("_PID") or entry.get("SYSLOG_PID") or "")
    return LogLine(at, None, host, program, pid, message)


def parse_line(text: str) -> LogLine | str | None:
    """The line's frame; a reason text when the line is malformed; None when it is another
    program's line (skipped, not an error: auth logs interleave many programs)."""
    if text.startswith("{"):
        return _journald(text)
    if match := _CLASSIC.match(text):
        if match["prog"] not in PROGRAMS:
            return None
        month = _MONTHS.get(match["mon"])
        if month is None or not 1 <= int(match["day"]) <= 31:
            return f"malformed syslog date {match['mon']} {match['day']!r}"
        return LogLine("", (month, int(match["day"]), match["time"]), match["host"], match["prog"],
                       match["pid"] or "", match["msg"])  # fmt: skip
    for pattern in (_ISO, _RFC5424):
        if match := pattern.match(text):
            if match["prog"] not in PROGRAMS:
                return None
            try:
                at = _iso(match["at"])
            except ModelError:
                return f"malformed timestamp {match['at']!r}"
            pid = match["pid"] if match["pid"] and match["pid"] != "-" else ""
            return LogLine(at, None, match["host"], match["prog"], pid, match["msg"])
    return "not a syslog or journald line"


def dated(line: LogLine, year: int) -> str:
    """A classic line's canonical time in `year` (UTC: classic syslog carries no zone)."""
    if line.undated is None:
        return line.at
    month, day, clock = line.undated
    try:
        moment = datetime.strptime(f"{year}-{month:02d}-{day:02d} {clock}", "%Y-%m-%d %H:%M:%S")
    except ValueError as exc:
        raise ModelError(f"no such date: {year}-{month:02d}-{day:02d} {clock}") from exc
    return moment.replace(tzinfo=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def year_for(line: LogLine, mtime: datetime) -> int:
    """The year of a classic line in a file last written at `mtime`: that year, or the one
    before when the line's date falls after the file's (it was written before New Year)."""
    assert line.undated is not None
    month, day, _clock = line.undated
    return mtime.year - 1 if (month, day) > (mtime.month, mtime.day) else mtime.year
