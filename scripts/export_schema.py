"""Write api/schema.graphql from the code (the frontend generates its types from that file).

The exported schema is the full one, as `serve` builds it with introspection on; the hardening
extensions do not change the SDL. Run `python scripts/export_schema.py`; `--check` exits 1
when the committed file is stale (tests/api/test_schema.py does the same check).
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SCHEMA_FILE = ROOT / "api" / "schema.graphql"


def render() -> str:
    from api.graphql.schema import build_schema
    from api.settings import Settings

    return build_schema(Settings(demo=True)).as_str().rstrip() + "\n"


def main(argv: list[str]) -> int:
    text = render()
    if "--check" in argv:
        if not SCHEMA_FILE.exists() or SCHEMA_FILE.read_text() != text:
            print(f"{SCHEMA_FILE} is stale: run python scripts/export_schema.py", file=sys.stderr)
            return 1
        return 0
    SCHEMA_FILE.write_text(text)
    print(f"wrote {SCHEMA_FILE} ({len(text.splitlines())} lines)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
