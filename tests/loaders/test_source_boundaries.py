"""Source folders never import each other (DESIGN: "what two sources share is machinery").

A source is a package directly under `loaders/` (aws, github, scanners, people, ...); everything
else there is machinery: the modules directly in `loaders/`, `formats/`, `sessions/`, and the
demo generator. Machinery never imports a source either — except the registry table, whose job
is to name them. The demo's platform folders (`demo/aws`, `demo/github`) obey the same rule
among themselves: what they share lives in `loaders/demo/` itself.
"""

from __future__ import annotations

from pathlib import Path

from tests.conftest import REPO
from tests.test_dependency_direction import imported

MACHINERY = frozenset({"formats", "sessions", "demo"})
REGISTRY_TABLE = "loaders/registry.py"


def _packages(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.is_dir() and (p / "__init__.py").exists())


def sources(root: Path = REPO) -> list[str]:
    return [name for name in _packages(root / "loaders") if name not in MACHINERY]


def crossings(prefix: str, folders: list[str], root: Path = REPO) -> list[str]:
    """Each import from one folder of `prefix` into another: `file:line imports name`."""
    found = []
    for folder in folders:
        others = [f"{prefix}.{other}" for other in folders if other != folder]
        for path in sorted((root / prefix.replace(".", "/") / folder).rglob("*.py")):
            for line, name in imported(path, root):
                if any(name == other or name.startswith(other + ".") for other in others):
                    found.append(f"{path.relative_to(root)}:{line} imports {name}")
    return found


def machinery_reaching_sources(root: Path = REPO) -> list[str]:
    names = [f"loaders.{source}" for source in sources(root)]
    paths = [p for p in (root / "loaders").glob("*.py") if p.relative_to(root).as_posix() != REGISTRY_TABLE]
    paths += [p for folder in ("formats", "sessions") for p in (root / "loaders" / folder).rglob("*.py")]
    found = []
    for path in sorted(paths):
        for line, name in imported(path, root):
            if any(name == source or name.startswith(source + ".") for source in names):
                found.append(f"{path.relative_to(root)}:{line} imports {name}")
    return found


def test_the_sources_are_the_families_of_the_design() -> None:
    assert {"aws", "github", "scanners", "people"} <= set(sources())


def test_no_source_imports_another() -> None:
    assert crossings("loaders", sources()) == []


def test_machinery_imports_no_source_but_the_registry_table() -> None:
    assert machinery_reaching_sources() == []


def test_demo_platforms_import_no_other_platform() -> None:
    assert crossings("loaders.demo", _packages(REPO / "loaders" / "demo")) == []


def test_checker_finds_a_sideways_import(tmp_path: Path) -> None:
    for folder in ("aws", "github", "formats"):
        (tmp_path / "loaders" / folder).mkdir(parents=True)
        (tmp_path / "loaders" / folder / "__init__.py").write_text("")
    (tmp_path / "loaders" / "github" / "x.py").write_text("def f():\n    from loaders.aws.iam import y\n")
    (tmp_path / "loaders" / "formats" / "z.py").write_text("from ..github import x\n")
    assert sources(tmp_path) == ["aws", "github"]
    assert crossings("loaders", sources(tmp_path), tmp_path) == [
        "loaders/github/x.py:2 imports loaders.aws.iam",
        "loaders/github/x.py:2 imports loaders.aws.iam.y",
    ]
    assert machinery_reaching_sources(tmp_path) == [
        "loaders/formats/z.py:1 imports loaders.github",
        "loaders/formats/z.py:1 imports loaders.github.x",
    ]
