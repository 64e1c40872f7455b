"""EC2 describe-instances: a field of the wrong JSON type rejects its instance, named (issue 18).

bench/fuzz.py found `TypeError: 'int' object is not iterable / subscriptable` and `'dict' object
has no attribute 'isalpha'` in the transform when a value was swapped for another JSON type; each
swap below is one of those, and the other instances of the file still load.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from graph.store import GraphStore
from tests.conftest import FIXTURES
from tests.loader_helpers import errors, load

EC2 = FIXTURES / "aws" / "ec2-describe-instances.json"


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        (lambda i: i.update(Placement=7), "field 'Placement': expected an object, got int"),
        (lambda i: i["Placement"].update(AvailabilityZone={"a": 1}), "field 'Placement.AvailabilityZone': expected"),
        (lambda i: i.update(NetworkInterfaces=3), "field 'NetworkInterfaces': expected a list, got int"),
        (
            lambda i: i.update(NetworkInterfaces=[{"PrivateIpAddresses": 5}]),
            "field 'NetworkInterfaces[0].PrivateIpAddresses': expected a list, got int",
        ),
    ],
)
def test_a_wrong_typed_field_rejects_its_instance_named(
    store: GraphStore, tmp_path: Path, damage: object, reason: str
) -> None:
    document = json.loads(EC2.read_text())
    (base,) = load(store, EC2).files  # its second reservation holds an instance without an id
    damaged = copy.deepcopy(document)
    damage(damaged["Reservations"][0]["Instances"][0])  # type: ignore[operator]
    path = tmp_path / "ec2.json"
    path.write_text(json.dumps(damaged))
    report = load(store, path)
    (file,) = report.files
    assert file.loader == "aws-ec2" and not file.failure
    message, *others = errors(report)
    assert message.startswith(f"{path}, record 1: Reservations[0].Instances[0]: {reason}")
    assert len(others) == base.rejected
    assert (file.accepted, file.rejected) == (base.accepted - 1, base.rejected + 1)
