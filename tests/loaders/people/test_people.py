"""People loaders: SCIM 2.0 Users/Groups and the Backstage catalog (fixtures in the real formats)."""

from __future__ import annotations

from pathlib import Path

from graph import ids
from graph.embedded import EmbeddedStore
from graph.schema import EdgeKind
from graph.store import GraphStore
from tests.conftest import FIXTURES
from tests.loader_helpers import edges, export_text, load, node

PEOPLE = FIXTURES / "people"
MARA, TOMAS = ids.person("mara.lindqvist@acme.example"), ids.person("tomas.berg@acme.example")


def test_scim_users_groups_managers_and_offboarding(store: GraphStore) -> None:
    report = load(store, PEOPLE / "scim-users.json", PEOPLE / "scim-groups.json")
    users = next(f for f in report.files if f.path.endswith("scim-users.json"))
    assert users.accepted == 3 and users.rejected == 1
    assert "record 3" in str(users.errors[0]) and "no email" in str(users.errors[0])
    tomas = node(store, TOMAS)  # primary work email wins over userName and the home address
    assert tomas.props["status"] == "offboarded" and tomas.props["offboarded_at"] == "2024-12-20T17:30:00Z"
    assert tomas.props["usernames"] == ["octo-dev"] and tomas.props["employee_id"] == "702113"
    assert node(store, MARA).props["status"] == "active" and node(store, MARA).props["title"] == "Head of Platform"
    manages = edges(store, EdgeKind.MANAGES)
    assert set(manages) == {(MARA, TOMAS), (MARA, ids.person("ines.okafor@acme.example"))}
    member = edges(store, EdgeKind.MEMBER_OF)
    platform = ids.team("Platform Team")
    assert {(MARA, platform), (TOMAS, platform), (platform, ids.team("Engineering"))} <= set(member)
    assert not [key for key in member if "dead" in key[0]]


def test_backstage_catalog_people_groups_and_ownership(store: GraphStore) -> None:
    report = load(store, PEOPLE / "catalog-info.yaml")
    catalog = report.files[0]
    assert catalog.loader == "backstage" and catalog.accepted == 7 and catalog.rejected == 2
    reasons = [str(e) for e in catalog.errors]
    assert "line 30" in reasons[0] and "invalid YAML" in reasons[0]  # where the parser stopped
    assert "line 43" in reasons[1] and "spec.profile.email" in reasons[1]
    assert node(store, TOMAS).props["usernames"] == ["octo-dev", "tberg"]
    member = edges(store, EdgeKind.MEMBER_OF)
    team = ids.team("platform-team")
    assert {(MARA, team), (TOMAS, team), (team, ids.team("engineering"))} <= set(member)
    assert (ids.github_user("ghost-user"), team) in member  # a member no User defines
    owns = edges(store, EdgeKind.OWNS)
    assert owns[(team, ids.github_repo("acme", "shop"))].props["provenance"] == "catalog"
    assert (team, ids.catalog_entity("component", "default", "shop")) in owns
    account = ids.aws_account("111122223333")
    assert (team, account) in owns and node(store, account).props["environment"] == "production"
    assert (MARA, ids.aws_arn("arn:aws:iam::111122223333:role/shop-release")) in owns


def test_loading_twice_leaves_the_export_unchanged(store: GraphStore) -> None:
    load(store, PEOPLE)
    first = export_text(store)
    load(store, PEOPLE)
    assert export_text(store) == first


def test_a_member_that_is_no_login_is_one_located_rejection_and_the_load_goes_on(tmp_path: Path) -> None:
    # Found by bench/fuzz.py: a malformed member name raised while the memberships were emitted
    # at the end, and stopped the whole load.
    text = (
        (FIXTURES / "people" / "catalog-info.yaml")
        .read_text()
        .replace("[mara.lindqvist, octo-dev", "[mara.lindqvist! octo-dev", 1)
    )
    path = tmp_path / "catalog-info.yaml"
    path.write_text(text)
    store = EmbeddedStore(tmp_path / "k.db")
    try:
        (file,) = load(store, path).files
    finally:
        store.close()
    assert not file.failure and file.accepted > 0
    assert any(
        e.line is not None and "malformed GitHub login 'mara.lindqvist! octo-dev'" in str(e) for e in file.errors
    )


def test_scim_fields_of_the_wrong_type_reject_their_record_by_name(tmp_path: Path) -> None:
    """Fuzz cases of the 10,000-case run (issue 18): a list field swapped for a number or a boolean
    was a TypeError in the transform; now a located rejection naming the field, the rest loaded."""
    from bench.fuzz_mutations import make_case

    store = EmbeddedStore(tmp_path / "s.db")
    found = []
    for name, index in (("scim-groups.json", 324), ("scim-users.json", 1631), ("scim-users.json", 1357)):
        case = make_case(f"fixtures/people/{name}", (PEOPLE / name).read_bytes(), 18, index)
        path = tmp_path / f"{index}-{name}"
        path.write_bytes(case.data)
        report = load(store, path)
        (file,) = report.files
        assert not file.failure and file.accepted >= 1
        found += [str(e) for e in file.errors if "unreadable record" in str(e) or "field '" in str(e)]
    assert found and all("field '" in e and "unreadable" not in e for e in found), found
