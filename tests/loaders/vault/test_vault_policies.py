"""Vault ACL policies (HCL, JSON syntax, `vault read -format=json sys/policy/NAME`) joined to the
entities the audit log saw holding them, in either load order, on both stores; blast radius from a
leaked token reaches the patterns its policies grant and says which pattern covers each read."""

from __future__ import annotations

import pytest

from graph.schema import EdgeKind
from graph.store import GraphStore
from loaders.vault.policy_text import PolicyError, parse_hcl, rules_of
from queries.blast import blast_radius
from tests.conftest import FIXTURES
from tests.loader_helpers import edges, errors, export_text, load, node

POLICIES = FIXTURES / "vault_policies"
AUDIT = FIXTURES / "vault" / "audit.log"
ENTITY = "vault:entity:6a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
TOKEN = "vault:token:hmac-sha256:4f2a9c1d7e3b5a6f8c0d2e4f6a8b0c1d3e5f7a9b1c3d5e7f9a0b2c4d6e8f0a1b"
PATTERN = "vault:path:secret/data/payments/*"


def _grants(store: GraphStore) -> dict[str, dict[str, object]]:
    return {t: dict(e.props) for (s, t), e in edges(store, EdgeKind.CAN_ACCESS).items() if s == ENTITY}


def test_policies_and_audit_in_one_load(store: GraphStore) -> None:
    report = load(store, AUDIT, POLICIES)
    broken = (POLICIES / "broken.hcl").as_posix()
    assert [e for e in errors(report) if "vault_policies" in e] == [
        f"{broken}, line 1: not a Vault policy: path 'secret/data/broken/*': unknown capabilities fly"
    ]
    policy = node(store, "vault:policy:payments-read")
    assert policy.props["rules"] == [
        "auth/token/renew-self: update",
        "database/creds/payments-rw: read",
        "secret/data/payments/*: list, read",
        "secret/data/payments/admin: deny",
    ]
    assert node(store, "vault:policy:ci-admin").props["rules"] == [
        "auth/kubernetes/role/*: create, update",
        "secret/+/ci/*: create, delete, list, read, update",  # the legacy `policy = "write"`
        "sys/policies/acl/*: create, delete, list, read, sudo, update",
    ]
    assert node(store, ENTITY).props["policies"] == ["default", "payments-read"]
    grants = _grants(store)
    assert set(grants) == {
        "vault:policy:default",
        "vault:policy:payments-read",
        "vault:path:auth/token/renew-self",
        "vault:path:database/creds/payments-rw",
        PATTERN,
    }  # the denied admin path draws no grant; `default` draws no paths
    assert grants[PATTERN] == {
        "level": "read",
        "actions": ["list", "read"],
        "policies": ["payments-read"],
        "wildcard": True,
        "flags": ["secrets-read", "wildcard"],
    }
    assert "flags" not in grants["vault:path:auth/token/renew-self"]  # renewing itself mints nothing
    assert node(store, "vault:policy:default").props["description"] == "built into Vault"
    assumed = {f.path: f.assumed for f in report.files}
    named = ["policy name assumed: payments-read from the file name"]
    assert assumed[(POLICIES / "payments-read.hcl").as_posix()] == named
    assert assumed[(POLICIES / "sys-policy-ci-admin.json").as_posix()] == []  # its read-back names it


def test_policies_loaded_after_the_audit_meet_the_same_entities(store: GraphStore) -> None:
    load(store, AUDIT)
    assert node(store, ENTITY).props["policies"] == ["default", "payments-read"]
    assert PATTERN not in _grants(store)
    report = load(store, POLICIES)
    assert any("grants drawn for 1 entities" in note for note in report.notes)
    after = _grants(store)
    assert after[PATTERN]["level"] == "read" and after["vault:policy:payments-read"]["level"] == "write"
    load(store, AUDIT)  # now the audit loader draws the grants too (its own observation of them)
    settled = export_text(store)
    load(store, AUDIT)
    load(store, POLICIES)
    assert export_text(store) == settled  # idempotent, whichever loader draws the grants


def test_blast_radius_from_a_leaked_token_says_which_pattern_covers_each_read(store: GraphStore) -> None:
    load(store, AUDIT, POLICIES)
    reached = {r.resource.id: r for r in blast_radius(store, TOKEN).resources}
    secret = reached["vault:path:secret/data/payments/db"]
    assert secret.touched and secret.level == "read" and secret.granted_via == [PATTERN]
    assert reached[PATTERN].used_through == ["vault:path:secret/data/payments/db"]
    denied = reached["vault:path:secret/data/admin/root"]  # the read that Vault refused
    assert denied.level == "none" and denied.ungranted_actions == ["read"]


@pytest.mark.parametrize(
    ("text", "reason", "line"),
    [
        ('path "a/*" {\n  capabilities = ["read"\n', "unexpected end of policy", 2),
        ('path "a/*" {\n  capabilities = "read"\n}', "capabilities must be a list of text", 1),
        ('name = "x"\nkey "a" { policy = "fly" }', "a policy holds only", 2),
        ('path "a" {\n  policy = "fly"\n}', "policy must be one of deny, read, write, sudo", 1),
        ('path "a" {\n  capabilities = ["read"]\n} /* unclosed', "unexpected character '/'", 3),
        ('path "a" {' + " x = {" * 80, "nesting deeper than 64 levels", 1),
    ],
)
def test_malformed_policies_name_their_line(text: str, reason: str, line: int) -> None:
    with pytest.raises(PolicyError) as raised:
        rules_of(text)
    assert reason in str(raised.value) and raised.value.line == line


def test_hcl_subset_as_policies_are_written() -> None:
    text = """
    # comment
    path "secret/data/x" { capabilities = ["read",] }   // trailing comma, one line
    /* block
       comment */
    path "transit/encrypt/app" {
      capabilities = ["update"]
      min_wrapping_ttl = "1s"
      required_parameters = ["plaintext"]
      denied_parameters = { "key_version" = [] }
    }
    """
    assert [(r.pattern, r.capabilities, r.line) for r in parse_hcl(text)] == [
        ("secret/data/x", ("read",), 3),
        ("transit/encrypt/app", ("update",), 6),
    ]
