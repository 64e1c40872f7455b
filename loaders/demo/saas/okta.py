"""The Okta org's System Log: the `/api/v1/logs` response body, a JSON array of LogEvents in time order.

Planted (loaders/demo/saas/plan.py): the HR roster still lists one person active whom Okta has
deactivated — before leaving they created an API token (`system.api_token.create`), so the token
is accountable to someone the IdP says has left; the person who left 45 days ago is deactivated on
the day the roster says (corroboration); an admin grants a privilege. Background: each person of the
cast and of the first background people signs in once a day or two and uses the GitHub app.
Token values never appear: a System Log event names a token by id only.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from loaders.demo.cast import Cast
from loaders.demo.derive import DAY, Derive, format_iso
from loaders.demo.org import OFFICE_IP, Organisation
from loaders.demo.saas.plan import SaasPlan
from loaders.demo.stream import write_json_array

__all__ = ["write_okta"]

_SAFARI = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_2) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Safari/605.1.15"
)
_MESSAGES = {
    "user.session.start": "User login to Okta",
    "user.authentication.sso": "User single sign on to app",
    "user.session.end": "User logout from Okta",
    "system.api_token.create": "Create API token",
    "user.lifecycle.deactivate": "Deactivate Okta user",
    "user.account.privilege.grant": "Grant user privilege",
}

Event = dict[str, Any]
Person = tuple[str, str]  # (email, display name)


class _Writer:
    def __init__(self, derive: Derive, plan: SaasPlan) -> None:
        self.derive, self.plan, self.okta = derive, plan, plan.okta
        self.marks: dict[str, str] = {}

    def actor(self, person: Person) -> dict[str, Any]:
        email, name = person
        uid = self.okta.user_id_of(email)
        return {"id": uid, "type": "User", "alternateId": email, "displayName": name, "detailEntry": None}

    def event(
        self,
        at: int,
        tag: str,
        actor: Person,
        event_type: str,
        session: str,
        targets: list[dict[str, Any]],
        debug: dict[str, Any] | None = None,
    ) -> Event:
        uuid = self.derive.uuid("okta-event", tag, at)
        self.marks.setdefault(tag, uuid)
        return {
            "actor": self.actor(actor),
            "client": {
                "userAgent": {"rawUserAgent": _SAFARI, "os": "Mac OS X", "browser": "SAFARI"},
                "zone": "null",
                "device": "Computer",
                "id": None,
                "ipAddress": OFFICE_IP,
                "geographicalContext": {"city": "Lisbon", "state": "Lisbon", "country": "Portugal"},
            },
            "device": None,
            "authenticationContext": {
                "authenticationProvider": None,
                "credentialProvider": None,
                "credentialType": None,
                "issuer": None,
                "interface": None,
                "authenticationStep": 0,
                "externalSessionId": session,
            },
            "displayMessage": _MESSAGES[event_type],
            "eventType": event_type,
            "outcome": {"result": "SUCCESS", "reason": None},
            "published": format_iso(at).replace("Z", f".{self.derive.below(1000, 'okta-ms', tag, at):03d}Z"),
            "securityContext": {"asNumber": 64496, "asOrg": "acme", "isp": "acme", "domain": "acme.example"},
            "severity": "INFO",
            "debugContext": {"debugData": {"requestId": self.derive.hex(24, "okta-req", tag, at), **(debug or {})}},
            "legacyEventType": None,
            "transaction": {"type": "WEB", "id": self.derive.hex(24, "okta-txn", tag, at), "detail": {}},
            "uuid": uuid,
            "version": "0",
            "request": {"ipChain": [{"ip": OFFICE_IP, "version": "V4"}]},
            "target": targets,
        }

    def user_target(self, person: Person) -> dict[str, Any]:
        return {**self.actor(person), "type": "User"}

    def session(self, at: int, tag: str, person: Person, n: int) -> list[Event]:
        """A sign-in, one SSO to the GitHub app, a sign-out: one `externalSessionId`."""
        sid = self.okta.session_id(person[0], n)
        app = {
            "id": self.okta.app_id,
            "type": "AppInstance",
            "alternateId": "GitHub Enterprise",
            "displayName": "GitHub",
        }
        return [
            self.event(at, f"{tag}_start", person, "user.session.start", sid, []),
            self.event(at + 90, f"{tag}_sso", person, "user.authentication.sso", sid, [app]),
            self.event(at + 6 * 3600, f"{tag}_end", person, "user.session.end", sid, []),
        ]


def _planted(w: _Writer, cast: Cast) -> list[Event]:
    p, people = w.plan, cast.people
    admin = (people["jules"].email, "Jules Okonkwo")
    mira = (p.offboarded.email, f"{p.offboarded.given} {p.offboarded.family}")
    token = {"id": w.okta.token_id, "type": "Token", "alternateId": "unknown", "displayName": w.okta.token_name}
    events = w.session(p.token_created_at - 300, "mira_token_session", mira, 0)
    events.append(
        w.event(
            p.token_created_at,
            "api_token_create",
            mira,
            "system.api_token.create",
            w.okta.session_id(mira[0], 0),
            [{**token, "detailEntry": None}],
        )
    )
    admin_sid = w.okta.session_id(admin[0], 99)
    events.append(
        w.event(
            p.deactivated_at, "deactivate_mira", admin, "user.lifecycle.deactivate", admin_sid, [w.user_target(mira)]
        )
    )
    dana = people["dana"]
    events.append(
        w.event(
            dana.offboarded_at or 0,
            "deactivate_dana",
            admin,
            "user.lifecycle.deactivate",
            w.okta.session_id(admin[0], 98),
            [w.user_target((dana.email, f"{dana.given} {dana.family}"))],
        )
    )
    hector = (people["hector"].email, "Hector Morales")
    events.append(
        w.event(
            p.base - 20 * DAY + 10 * 3600,
            "privilege_grant",
            admin,
            "user.account.privilege.grant",
            w.okta.session_id(admin[0], 97),
            [w.user_target(hector)],
            {"privilegeGranted": "Organization administrator, Application administrator (all)"},
        )
    )
    return sorted(events, key=lambda e: str(e["published"]))


def _background(w: _Writer, org: Organisation, cast: Cast) -> Iterator[Event]:
    people: list[Person] = [(c.email, f"{c.given} {c.family}") for c in cast.people.values() if c.active]
    background = map(org.person, range(min(30 * org.sizes.scale, org.sizes.people)))
    people += [(q.email, f"{q.given} {q.family}") for q in background if q.active]
    for day in range(14, 0, -1):
        starts = []
        for n, person in enumerate(people):
            if person[0] == w.plan.offboarded.email and day * DAY < w.plan.base - w.plan.deactivated_at:
                continue  # no sign-in after the deactivation
            if (day + n) % 2 == 0:
                at = w.plan.base - day * DAY + 8 * 3600 + n * 30
                starts.append(w.session(at, f"bg_{n}_{day}", person, day))
        yield from heapq.merge(*starts, key=lambda e: str(e["published"]))


def write_okta(
    folder: Path, derive: Derive, org: Organisation, cast: Cast, plan: SaasPlan
) -> tuple[int, dict[str, str]]:
    w = _Writer(derive, plan)
    events = heapq.merge(_planted(w, cast), _background(w, org, cast), key=lambda e: str(e["published"]))
    count = write_json_array(folder / "system-log.json", events)
    return count, dict(w.marks)
