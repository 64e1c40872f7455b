"""GitHub organisation audit-log events in the REST `GET /orgs/{org}/audit-log` shape, as JSON lines.

Planted (loaders/demo/saas/plan.py): the classic personal access token of the person Okta has
deactivated, with broad scopes, still cloning and pushing from two build runners after they left;
a fine-grained token approved half a year ago and never rotated; a token of a handle no roster
names; the deploy secret updated; a deploy runner re-registered and a retired one removed; the
person who left 45 days ago removed from the organisation. Background: the cast's people clone
their repositories from the office. Events are in time order, `@timestamp` and `created_at` in
epoch milliseconds as the API returns them; `hashed_token` is a digest, never a token value.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from loaders.demo.cast import Cast, CastPerson
from loaders.demo.derive import DAY, Derive
from loaders.demo.org import OFFICE_IP, ORG, Organisation
from loaders.demo.saas.plan import UNMATCHED_LOGIN, SaasPlan
from loaders.demo.stream import write_json_lines

__all__ = ["write_github_audit"]

_BROWSER = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_2) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2"
_CLASSIC = "Personal access token (classic)"
_FINE = "Fine-grained personal access token"

Event = dict[str, Any]


class _Writer:
    def __init__(self, derive: Derive, plan: SaasPlan) -> None:
        self.derive, self.plan = derive, plan
        self.marks: dict[str, str] = {}

    def event(self, at: int, tag: str, action: str, actor: str, ip: str, agent: str, **fields: Any) -> Event:
        millis = at * 1000 + self.derive.below(1000, "gh-ms", tag, at)
        doc = self.derive.hex(22, "gh-doc", tag, at)
        self.marks.setdefault(tag, doc)
        return {
            "@timestamp": millis,
            "_document_id": doc,
            "action": action,
            "actor": actor,
            "actor_id": 40_000_000 + self.derive.below(9_000_000, "gh-actor", actor),
            "actor_ip": ip,
            "actor_location": {"country_code": "PT"},
            "business": f"{ORG}-enterprise",
            "created_at": millis,
            "operation_type": _operation(action),
            "org": ORG,
            "org_id": 81_000_001,
            "user_agent": agent,
            **fields,
        }


def _operation(action: str) -> str:
    verb = action.rsplit(".", 1)[-1]
    for word, kind in (("create", "create"), ("register", "create"), ("remove", "remove"), ("clone", "access")):
        if word in verb:
            return kind
    return "modify"


def _git(
    w: _Writer, at: int, tag: str, actor: str, ip: str, repo: str, token: tuple[int, str, str, str], push: bool = False
) -> Event:
    token_id, hashed, kind, scopes = token
    fields: dict[str, Any] = {"hashed_token": hashed, "token_id": token_id, "programmatic_access_type": kind}
    if scopes:
        fields["token_scopes"] = scopes
    return w.event(
        at,
        tag,
        "git.push" if push else "git.clone",
        actor,
        ip,
        "git/2.43.0",
        repo=f"{ORG}/{repo}",
        repository=f"{ORG}/{repo}",
        repository_public=False,
        transport_protocol_name="http",
        **fields,
    )


def _pats(w: _Writer, cast: Cast) -> Iterator[Event]:
    p, gh = w.plan, w.plan.github
    mira = gh.pat_owner.github_login
    classic = (gh.pat_id, gh.pat_hash, _CLASSIC, "repo,workflow,read:org")
    for day in range(14, 0, -1):  # every day from one of the two runners, before and after Okta's deactivation
        runner = gh.pat_runners[day % 2]
        at = p.base - day * DAY + 13 * 3600 + 17 * day
        yield _git(w, at, f"pat_clone_{day}", mira, runner.public_ip, "build-tools", classic)
        if day % 3 == 0:
            yield _git(w, at + 240, f"pat_push_{day}", mira, runner.public_ip, "build-tools", classic, push=True)
    lorna = cast.people["lorna"].github_login
    fine_id = gh.fine_id
    fine = (fine_id, gh.fine_hash, _FINE, "")
    yield w.event(
        p.pat_created_at,
        "fine_request",
        "personal_access_token.request_created",
        lorna,
        OFFICE_IP,
        _BROWSER,
        user=lorna,
        token_id=fine_id,
        token_scopes="contents:read,metadata:read",
    )
    yield w.event(
        p.pat_created_at + 1800,
        "fine_granted",
        "personal_access_token.access_granted",
        cast.people["jules"].github_login,
        OFFICE_IP,
        _BROWSER,
        user=lorna,
        token_id=fine_id,
    )
    for day in (12, 7, 2):
        yield _git(w, p.base - day * DAY + 9 * 3600, f"fine_clone_{day}", lorna, OFFICE_IP, "checkout-service", fine)
    stray = (gh.stray_id, gh.stray_hash, _CLASSIC, "read:packages")
    for day in (9, 4):
        yield _git(
            w, p.base - day * DAY + 20 * 3600, f"stray_clone_{day}", UNMATCHED_LOGIN, OFFICE_IP, "web-api", stray
        )


def _admin(w: _Writer, cast: Cast) -> Iterator[Event]:
    p, people = w.plan, cast.people
    hector, jules = people["hector"].github_login, people["jules"].github_login
    dana = people["dana"]
    yield w.event(
        (dana.offboarded_at or 0) + DAY,
        "remove_dana",
        "org.remove_member",
        jules,
        OFFICE_IP,
        _BROWSER,
        user=dana.github_login,
    )
    yield w.event(
        p.base - 20 * DAY + 14 * 3600,
        "remove_runner",
        "org.remove_self_hosted_runner",
        hector,
        OFFICE_IP,
        _BROWSER,
        runner_name="gh-runner-deploy-00",
        runner_id=899,
    )
    deploy = cast.runners[2]
    yield w.event(
        p.base - 20 * DAY + 14 * 3600 + 300,
        "register_runner",
        "org.register_self_hosted_runner",
        hector,
        OFFICE_IP,
        _BROWSER,
        runner_name=deploy.name,
        runner_id=deploy.runner_id,
    )
    yield w.event(
        p.base - 8 * DAY + 10 * 3600,
        "update_secret",
        "repo.update_actions_secret",
        hector,
        OFFICE_IP,
        _BROWSER,
        repo=f"{ORG}/payments-deploy",
        name="DEPLOY_AWS_ACCESS_KEY_ID",
    )
    yield w.event(
        p.base - 5 * DAY + 10 * 3600,
        "create_org_secret",
        "org.create_actions_secret",
        jules,
        OFFICE_IP,
        _BROWSER,
        name="NPM_PUBLISH_TOKEN",
    )


def _background(w: _Writer, cast: Cast, org: Organisation) -> Iterator[Event]:
    """The cast's active people clone their team's repositories from the office over the web UI's git."""
    people: list[CastPerson] = [c for c in cast.people.values() if c.active and c.key != w.plan.offboarded.key]
    repos = [r.name for r in cast.repos] or ["build-tools"]
    per_day = len(people) * org.sizes.scale
    for day in range(14, 0, -1):
        for n in range(per_day):
            person = people[n % len(people)]
            at = w.plan.base - day * DAY + 9 * 3600 + n * (8 * 3600 // per_day)
            yield w.event(
                at,
                f"bg_{n}_{day}",
                "git.clone",
                person.github_login,
                OFFICE_IP,
                "git/2.43.0",
                repo=f"{ORG}/{repos[(n + day) % len(repos)]}",
                repository=f"{ORG}/{repos[(n + day) % len(repos)]}",
                repository_public=False,
                transport_protocol_name="ssh",
            )


def write_github_audit(
    folder: Path, derive: Derive, org: Organisation, cast: Cast, plan: SaasPlan
) -> tuple[int, dict[str, str]]:
    w = _Writer(derive, plan)
    planted = sorted([*_pats(w, cast), *_admin(w, cast)], key=lambda e: int(e["@timestamp"]))
    events = heapq.merge(planted, _background(w, cast, org), key=lambda e: int(e["@timestamp"]))
    count = write_json_lines(folder / "audit-log.jsonl", events)
    return count, dict(w.marks)
