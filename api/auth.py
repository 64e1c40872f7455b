"""API tokens and roles: creation, listing, revocation, and turning a bearer token into a Principal.

A token is `kt_<43 url-safe random characters>` (256 bits), shown once when created. Only a
keyed hash of it is kept — HMAC-SHA256 with the server secret — in a small SQLite file
(`tokens.db` beside the embedded store, or KEYTRAIL_TOKEN_DB). Tokens are not graph data, so
they never go into the graph store. Roles are ordered: `reader` queries, `loader` also
ingests evidence and records reviews, `admin` also manages tokens.

A token made through the API remembers the token that made it (`created_by`), and is made in
one write transaction that first checks that token is still unrevoked: a revocation
committed by another process (`keytrail token revoke`) before the creation leaves no token
behind, however long the server remembered the revoked one as valid (issue 23 item 2).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import sqlite3
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Final

from graph.errors import AuthError, NotFound, QueryError

__all__ = ["TOKEN_PREFIX", "Principal", "Role", "TokenRecord", "TokenStore", "hash_token"]

TOKEN_PREFIX: Final = "kt_"
_NAME_MAX: Final = 100

_SCHEMA = """
CREATE TABLE IF NOT EXISTS tokens (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL, hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL, revoked_at TEXT, last_used_at TEXT, created_by TEXT
);
"""


class Role(StrEnum):
    READER = "reader"
    LOADER = "loader"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return list(Role).index(self)

    def allows(self, needed: Role) -> bool:
        return self.rank >= needed.rank


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: the token's public id, its name and role (never the token itself)."""

    token_id: str
    name: str
    role: Role


@dataclass(frozen=True, slots=True)
class TokenRecord:
    id: str
    name: str
    role: Role
    created_at: str
    revoked_at: str | None = None
    last_used_at: str | None = None


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def hash_token(secret: str, token: str) -> str:
    return hmac.new(secret.encode(), token.encode(), hashlib.sha256).hexdigest()


class TokenStore:
    """The token file. Safe to share between threads (one connection behind a lock)."""

    def __init__(self, path: Path, secret: str) -> None:
        if not secret:
            raise AuthError("a server secret is required to hash tokens: set KEYTRAIL_SECRET")
        self.path = path
        self._secret = secret
        self._lock = threading.Lock()
        self._last_used: dict[str, str] = {}
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA busy_timeout=5000")
        self._db.executescript(_SCHEMA)
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(tokens)")}
        if "created_by" not in columns:  # a token file from before created_by was recorded
            self._db.execute("ALTER TABLE tokens ADD COLUMN created_by TEXT")
        path.chmod(0o600)

    def create(self, role: Role | str, name: str = "", *, created_by: str | None = None) -> tuple[TokenRecord, str]:
        """A new token: its record and the plain token, which is never retrievable again.

        `created_by` is the id of the token that asked (through the API); if it is revoked when
        the write starts, nothing is created (AuthError). The check and the insert are one
        IMMEDIATE transaction, so a revocation from another process is either seen or after."""
        try:
            chosen = Role(str(role).lower())
        except ValueError:
            raise QueryError(f"role must be one of {', '.join(Role)}, got {role!r}") from None
        name = name.strip()
        if len(name) > _NAME_MAX or any(not ch.isprintable() for ch in name):
            raise QueryError(f"token name must be printable and at most {_NAME_MAX} characters")
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        record = TokenRecord(id=secrets.token_hex(6), name=name, role=chosen, created_at=_now())
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                if created_by is not None and not self._active(created_by):
                    raise AuthError("the token that asked has been revoked")
                self._db.execute(
                    "INSERT INTO tokens (id, name, role, hash, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?)",
                    (
                        record.id,
                        record.name,
                        record.role.value,
                        hash_token(self._secret, token),
                        record.created_at,
                        created_by,
                    ),
                )
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
        return record, token

    def is_active(self, token_id: str) -> bool:
        """Whether the token exists and is not revoked, read from the file now (no cache)."""
        with self._lock:
            return self._active(token_id)

    def _active(self, token_id: str) -> bool:
        row = self._db.execute("SELECT 1 FROM tokens WHERE id = ? AND revoked_at IS NULL", (token_id,)).fetchone()
        return row is not None

    def list(self) -> list[TokenRecord]:
        with self._lock:
            rows = self._db.execute(
                "SELECT id, name, role, created_at, revoked_at, last_used_at FROM tokens ORDER BY created_at, id"
            ).fetchall()
        return [TokenRecord(r[0], r[1], Role(r[2]), r[3], r[4], r[5]) for r in rows]

    def revoke(self, token_id: str) -> TokenRecord:
        with self._lock:
            self._db.execute(
                "UPDATE tokens SET revoked_at = coalesce(revoked_at, ?) WHERE id = ?", (_now(), token_id.strip())
            )
        for record in self.list():
            if record.id == token_id.strip():
                return record
        raise NotFound(f"no token with id {token_id!r}")

    def authenticate(self, token: str) -> Principal | None:
        """The principal of a valid, unrevoked token; None for anything else."""
        if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
            return None
        digest = hash_token(self._secret, token)
        with self._lock:
            row = self._db.execute(
                "SELECT id, name, role FROM tokens WHERE hash = ? AND revoked_at IS NULL", (digest,)
            ).fetchone()
        if row is None:
            return None
        self._touch(row[0])
        return Principal(token_id=row[0], name=row[1], role=Role(row[2]))

    def _touch(self, token_id: str) -> None:
        """Record last use at most once a minute per token: a write per request would serialise reads."""
        now = _now()
        if self._last_used.get(token_id, "")[:16] == now[:16]:
            return
        self._last_used[token_id] = now
        with self._lock:
            self._db.execute("UPDATE tokens SET last_used_at = ? WHERE id = ?", (now, token_id))

    def close(self) -> None:
        with self._lock:
            self._db.close()
