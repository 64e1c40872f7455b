"""Deterministic derivation of every generated value from (seed, purpose, index).

The demo estate must be byte-identical for one seed and must not hold the whole organisation
in memory at large scales, so nothing is drawn from a shared running random stream across
entities: each entity's values are derived from a keyed hash of its own address (kind + index).
Any writer can then recompute person 123456 or the access key of IAM user 42 on demand, in
any order, and always get the same answer. Bulk streams (CloudTrail files) get their own
`random.Random` seeded from the file's address, which is fast and still order-independent.
Time never comes from the wall clock: writers receive a base time and format offsets from it.
"""

from __future__ import annotations

import base64
import hashlib
import random
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TypeVar

import orjson

__all__ = ["DAY", "Derive", "format_cli_date", "format_compact_minute", "format_iso", "parse_iso"]

T = TypeVar("T")
DAY = 86400  # seconds: every platform writer counts days in it

# AWS access key ids use the RFC 4648 base32 alphabet (A-Z, 2-7) after the 4-letter prefix.
_B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


class Derive:
    """Values derived from a seed and an address; the same address always yields the same value."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self._key = hashlib.sha256(f"keytrail-demo/{seed}".encode()).digest()

    def digest(self, *parts: object) -> bytes:
        text = "\x1f".join(str(part) for part in parts).encode()
        return hashlib.blake2b(text, key=self._key, digest_size=32).digest()

    def number(self, *parts: object) -> int:
        return int.from_bytes(self.digest(*parts)[:8], "big")

    def below(self, bound: int, *parts: object) -> int:
        return self.number(*parts) % bound if bound > 0 else 0

    def chance(self, percent: int, *parts: object) -> bool:
        return self.below(100, *parts) < percent

    def pick(self, options: Sequence[T], *parts: object) -> T:
        return options[self.below(len(options), *parts)]

    def rng(self, *parts: object) -> random.Random:
        return random.Random(self.number(*parts))

    def aws_id(self, prefix: str, *parts: object, length: int = 16) -> str:
        """An AWS-style unique id (AKIA/ASIA/AIDA/AROA/ANPA/AGPA + base32)."""
        raw = self.digest(prefix, *parts)
        return prefix + "".join(_B32[byte & 31] for byte in raw[:length])

    def secret(self, *parts: object, length: int = 40) -> str:
        """A synthetic secret-access-key-shaped value (base64 alphabet), never a real one."""
        raw = self.digest("secret", *parts) + self.digest("secret2", *parts)
        return base64.b64encode(raw).decode()[:length].replace("+", "/")

    def hex(self, length: int, *parts: object) -> str:
        text = self.digest(*parts).hex() + self.digest("more", *parts).hex()
        return text[:length]

    def uuid(self, *parts: object) -> str:
        h = self.digest("uuid", *parts).hex()
        return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) & 3]}{h[17:20]}-{h[20:32]}"

    def account_id(self, name: str) -> str:
        return str(100000000000 + self.below(899999999999, "account", name))


def format_iso(epoch: int) -> str:
    """CloudTrail / SCIM / gitleaks style UTC timestamp: 2026-11-01T00:00:00Z."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


def format_offset(epoch: int) -> str:
    """IAM export / credential report style: 2026-11-01T00:00:00+00:00."""
    return time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(epoch))


def format_cli_date(epoch: int) -> str:
    """The Java-style date CloudTrail puts in responseElements: 'Aug 1, 2024 1:33:28 PM'."""
    t = time.gmtime(epoch)
    hour = t.tm_hour % 12 or 12
    ampm = "AM" if t.tm_hour < 12 else "PM"
    return f"{time.strftime('%b', t)} {t.tm_mday}, {t.tm_year} {hour}:{t.tm_min:02d}:{t.tm_sec:02d} {ampm}"


def format_compact_minute(epoch: int) -> str:
    """The timestamp in CloudTrail S3 object names: 20261101T0005Z."""
    return time.strftime("%Y%m%dT%H%MZ", time.gmtime(epoch))


def parse_iso(text: str) -> int:
    """Epoch seconds of an ISO-8601 UTC time ('...Z' or '+00:00')."""
    from datetime import datetime

    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp())


def stream_json_list(path: Path, head: bytes, items: Iterator[dict[str, object]], tail: bytes = b"\n}\n") -> int:
    """A JSON object whose one list is written item by item (`head` opens it, `tail` closes it),
    indented as the real tools write it; returns the number of items."""
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with path.open("wb") as handle:
        handle.write(head)
        for item in items:
            body = orjson.dumps(item, option=orjson.OPT_INDENT_2).replace(b"\n", b"\n    ")
            handle.write((b",\n    " if count else b"\n    ") + body)
            count += 1
        handle.write(b"\n  ]" + tail)
    return count
