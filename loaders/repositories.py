"""Which repository a file belongs to, and the Repository node: shared by every source that
finds things in code (workflows, CODEOWNERS, scanner reports).

A repository is named by a clone URL, a web URL or an `org/repo` slug inside the file, by the
checkout the file sits in (`<org>/<repo>/` holding `.git` or `.github`), or by
`keytrail load --repository`; `local/<name>` repositories (no org known) are plain git.
"""

from __future__ import annotations

import re
from pathlib import Path

from graph import ids
from graph.model import Node
from graph.schema import NodeKind
from loaders.base import LoadContext, Location

__all__ = ["checkout_repository", "context_repository", "repository_from_url", "repository_node"]

_REPO_URL = re.compile(r"^(?:https?://|ssh://|git@)?(?:[^@/]+@)?([^/:]+)[/:]([^/]+)/([^/#?]+?)(?:\.git)?(?:[/#?].*)?$")


def repository_from_url(url: str) -> tuple[str, str] | None:
    """`org/repo` of a clone URL, web URL or `org/repo` slug; None for `.` or anything else."""
    text = url.strip()
    if re.fullmatch(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+", text):
        org, repo = text.split("/")
        return (org, repo.removesuffix(".git"))
    match = _REPO_URL.match(text)
    if not match or "." not in match.group(1):
        return None
    return (match.group(2), match.group(3))


def context_repository(ctx: LoadContext, where: Location) -> tuple[str, str] | None:
    """`org/repo` of `keytrail load --repository`, None when it was not given; a located error
    (at `where`, the first record that needs it) when it names no repository."""
    if not ctx.repository:
        return None
    parsed = repository_from_url(ctx.repository)
    if parsed is None:
        raise where.error(f"--repository {ctx.repository!r} is not org/repo")
    return parsed


def checkout_repository(report: Path) -> tuple[str, str] | None:
    """The report lies in the checkout it scanned (`<org>/<repo>/` holding `.git` or `.github`)."""
    folder = report.resolve().parent
    if ((folder / ".git").exists() or (folder / ".github").is_dir()) and folder.parent.name:
        return (folder.parent.name, folder.name)
    return None


def repository_node(org: str, repo: str, source: str) -> Node:
    """A repository; `local/<name>` ones (no org known) are plain git, not GitHub."""
    local = org == "local"
    return Node(
        id=ids.github_repo(org, repo),
        kind=NodeKind.REPOSITORY,
        subtype="git.repository" if local else "github.repository",
        name=f"{org}/{repo}",
        props={"org": org, "platform": "git" if local else "github"},
        sources=(source,),
    )
