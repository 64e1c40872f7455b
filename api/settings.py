"""Server settings, read once from the environment (prefix KEYTRAIL_) with pydantic-settings.

The secret keys the token hashes (HMAC-SHA256), so a copy of the token file alone cannot be
used to check guessed tokens, and it must be set before `serve` starts: an empty or
well-known secret is refused outside demo mode (`keytrail demo` generates a random one).
Introspection is off by default for `serve` and on for `demo`; CORS is off
unless origins are listed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from graph.errors import KeytrailError
from graph.open import is_neo4j_uri, store_location

__all__ = [
    "DEFAULT_SECRETS",
    "REQUIRED_VARIABLES",
    "VARIABLES_READ_ELSEWHERE",
    "Settings",
    "SettingsError",
    "known_variables",
    "token_db_path",
]

DEFAULT_SECRETS: Final = frozenset({"", "changeme", "change-me", "secret", "keytrail", "default", "dev", "development"})
MIN_SECRET_LENGTH: Final = 16


class SettingsError(KeytrailError):
    """Settings that would make the server unsafe to start."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KEYTRAIL_", extra="ignore", frozen=True)

    store: str | None = None
    """A path (embedded) or neo4j:// / bolt:// URI; None = KEYTRAIL_STORE or .keytrail/keytrail.db."""
    secret: str = ""
    token_db: Path | None = None
    """The token file; default: tokens.db beside the embedded store, or .keytrail/tokens.db."""
    demo: bool = False
    introspection: bool | None = None
    """None: on in demo mode, off otherwise."""
    page_dir: Path | None = None
    """The built web page (frontend/ -> api/static); tests point it elsewhere."""
    cors_origins: list[str] = Field(default_factory=list)
    request_timeout: float = Field(default=30.0, gt=0, le=600)
    max_depth: int = Field(default=12, ge=2, le=50)
    max_tokens: int = Field(default=2000, ge=50, le=100_000)
    max_aliases: int = Field(default=15, ge=1, le=1000)
    max_fields: int = Field(default=2000, ge=10, le=100_000)
    """Fields a document stands for once its fragments are spread (a document without fragments
    has fewer fields than tokens, so the default lets fragments add nothing a flat one could not)."""
    max_page: int = Field(default=200, ge=1, le=10_000)
    max_upload_bytes: int = Field(default=50 * 1024 * 1024, ge=1024)
    token_cache_seconds: float = Field(default=5.0, ge=0, le=3600)
    """How long a token found valid is remembered for reading (mutations always check the file)."""
    store_pool: int = Field(default=4, ge=1, le=64)
    """Embedded store instances (one SQLite connection each) that serve requests in parallel."""

    @property
    def store_location(self) -> str:
        return store_location(self.store)

    @property
    def introspection_enabled(self) -> bool:
        return self.demo if self.introspection is None else self.introspection

    @property
    def token_path(self) -> Path:
        return self.token_db or token_db_path(self.store_location)

    def check_secret(self) -> None:
        """Refuse an empty, default or short secret unless this is the demo."""
        if self.demo:
            return
        if self.secret.strip().lower() in DEFAULT_SECRETS:
            raise SettingsError(
                "KEYTRAIL_SECRET is empty or a well-known default; set it to a random value "
                '(e.g. `export KEYTRAIL_SECRET="$(python3 -c "import secrets; print(secrets.token_urlsafe(32))")"`)'
            )
        if len(self.secret) < MIN_SECRET_LENGTH:
            raise SettingsError(f"KEYTRAIL_SECRET must be at least {MIN_SECRET_LENGTH} characters")


VARIABLES_READ_ELSEWHERE: Final = {
    "KEYTRAIL_NEO4J_USER": "graph/neo4j_store.py: the Neo4j user when the URI has none (default neo4j)",
    "KEYTRAIL_NEO4J_PASSWORD": "graph/neo4j_store.py: the Neo4j password when the URI has none",
    "KEYTRAIL_HMAC_KEY": "loaders/runner.py: the key of secret-value HMACs (default: .keytrail/hmac.key)",
}
"""Environment variables keytrail reads outside these settings (graph and loaders cannot import
api), listed here so that every KEYTRAIL_* variable has one place that names it."""

REQUIRED_VARIABLES: Final = ("KEYTRAIL_SECRET",)
"""What `keytrail serve` refuses to start without (outside demo mode)."""


def known_variables() -> frozenset[str]:
    """Every KEYTRAIL_* variable keytrail reads: these settings' and VARIABLES_READ_ELSEWHERE."""
    prefix = str(Settings.model_config.get("env_prefix", ""))
    own = {prefix + name.upper() for name in Settings.model_fields}
    return frozenset(own | set(VARIABLES_READ_ELSEWHERE))


def token_db_path(location: str) -> Path:
    """tokens.db in the embedded store's directory, or in ./.keytrail for a server store."""
    if is_neo4j_uri(location):
        return Path(".keytrail") / "tokens.db"
    return Path(location).parent / "tokens.db"
