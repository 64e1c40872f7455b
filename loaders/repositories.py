"""Which repository a file belongs to, and the Repository node: shared by every source that
finds things in code (workflows, CODEOWNERS, scanner reports).

A repository is named by a clone URL, a web URL or an `org/repo` slug inside the file, by the
checkout the file sits in (`<org>/<repo>/` holding `.git` or `.github`), or by
`keytrail load --repository`; `local/<name>` repositories (no org known) are plain git.

When neither the file nor `--repository` names it, the repository is assumed (from the checkout
path, or the folder's name); `Repository.assumed` says from what, `note_assumed` puts that in the
file's line of the load summary, and the loaders put it on what they write (an exposure's or a
pipeline's `repository_assumed`), so no answer rests on a silent guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from graph import ids
from graph.model import Node
from graph.schema import NodeKind
from loaders.base import LoadContext, Location

__all__ = [
    "Repository",
    "checkout_repository",
    "context_repository",
    "folder_repository",
    "note_assumed",
    "repository_from_url",
    "repository_node",
]


@dataclass(frozen=True, slots=True)
class Repository:
    """The repository a file belongs to, and why keytrail assumed it ("" = the file or
    `--repository` named it)."""

    org: str
    repo: str
    assumed: str = ""

    @property
    def slug(self) -> str:
        return f"{self.org}/{self.repo}"

    @property
    def note(self) -> str:
        return f"repository assumed: {self.slug} from {self.assumed}" if self.assumed else ""


def context_repository(ctx: LoadContext, where: Location) -> Repository | None:
    """`keytrail load --repository`, None when it was not given; a located error (at `where`, the
    first record that needs it) when it names no repository."""
    if not ctx.repository:
        return None
    parsed = repository_from_url(ctx.repository)
    if parsed is None:
        raise where.error(f"--repository {ctx.repository!r} is not org/repo")
    return Repository(*parsed)


def folder_repository(folder: str, what: str) -> Repository:
    """The last resort: `local/<folder>`, assumed from the name of the folder the file lies in."""
    return Repository(
        "local",
        folder or "unknown",
        f"the name of the folder the {what} lies in ({folder or 'none'}): the file names no repository "
        "(give --repository)",
    )


def note_assumed(ctx: LoadContext, where: Location, repository: Repository) -> None:
    """Say in the file's line of the load summary that its repository was assumed, and from what."""
    if repository.assumed:
        ctx.assumed.setdefault(where.file, set()).add(repository.note)


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


def checkout_repository(report: Path) -> Repository | None:
    """The report lies in the checkout it scanned (`<org>/<repo>/` holding `.git` or `.github`)."""
    folder = report.resolve().parent
    if ((folder / ".git").exists() or (folder / ".github").is_dir()) and folder.parent.name:
        marker = ".git" if (folder / ".git").exists() else ".github"
        return Repository(
            folder.parent.name,
            folder.name,
            f"the checkout the report lies in ({folder.parent.name}/{folder.name}/ holds {marker}; "
            "the org is the parent folder's name)",
        )
    return None


def repository_node(org: str, repo: str, source: str, assumed: str = "") -> Node:
    """A repository; `local/<name>` ones (no org known) are plain git, not GitHub, and always
    assumed (the node says from what; a named `org/repo` may be named elsewhere, so its node
    does not carry one file's guess)."""
    local = org == "local"
    return Node(
        id=ids.github_repo(org, repo),
        kind=NodeKind.REPOSITORY,
        subtype="git.repository" if local else "github.repository",
        name=f"{org}/{repo}",
        props={"org": org, "platform": "git" if local else "github", "assumed": assumed or None if local else None},
        sources=(source,),
    )
