"""The platform modules of a declaration package, found on disk rather than listed by hand.

`graph/ids/` and `graph/values/` each hold one module per platform (`aws`, `github`, ...). Both
packages collect their modules here, so a new source adds a file of its own and edits no list;
`tests/graph/test_platform_discovery.py` proves that a module dropped into either package is
picked up. Private modules (a leading underscore, `__main__`) are machinery, not platforms.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterable
from types import ModuleType

__all__ = ["platform_modules"]


def platform_modules(package: str, path: Iterable[str]) -> tuple[ModuleType, ...]:
    """Every public module of `package` (whose `__path__` is `path`), imported, in name order."""
    names = sorted({info.name for info in pkgutil.iter_modules(list(path)) if not info.name.startswith("_")})
    return tuple(importlib.import_module(f"{package}.{name}") for name in names)
