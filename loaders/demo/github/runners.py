"""GitHub's self-hosted runner and runner-group API JSON (`GET /orgs/<org>/actions/runners`, the
runner groups and each group's runners). The runners are the fleet of EC2 instances the AWS
part describes (loaders/demo/aws/ec2.py), so a source IP, an instance and a runner name meet.
"""

from __future__ import annotations

from pathlib import Path

import orjson

from loaders.demo.derive import stream_json_list
from loaders.demo.org import ORG, Organisation, Runner, all_runners

_GROUPS = (("Default", 1, "all"), ("ml-runners", 2, "selected"), ("production-deployers", 3, "selected"))
_LABEL_IDS = {"self-hosted": 1, "linux": 2, "x64": 3, "build": 10, "integration": 11, "gpu": 12, "deploy": 13}


def _group_id(name: str) -> int:
    return next(gid for gname, gid, _ in _GROUPS if gname.lower() == name.lower() or (name == "default" and gid == 1))


def _runner_json(runner: Runner, busy: bool) -> dict[str, object]:
    labels = [
        {"id": 1, "name": "self-hosted", "type": "read-only"},
        {"id": 2, "name": "Linux", "type": "read-only"},
        {"id": 3, "name": "X64", "type": "read-only"},
        {"id": _LABEL_IDS["linux"] + 100, "name": "linux", "type": "custom"},
        {"id": _LABEL_IDS[runner.pool], "name": runner.pool, "type": "custom"},
    ]
    return {
        "id": runner.runner_id,
        "name": runner.name,
        "os": "Linux",
        "status": "online",
        "busy": busy,
        "ephemeral": False,
        "labels": labels,
    }


def write_runners(path: Path, org: Organisation, planted: list[Runner]) -> int:
    """GET /orgs/{org}/actions/runners, all pages merged into one response body."""
    total = org.sizes.runners + len(planted)
    items = (_runner_json(r, org.derive.chance(30, "busy", r.name)) for r in all_runners(org, planted))
    return stream_json_list(path, b'{\n  "total_count": %d,\n  "runners": [' % total, items)


def write_runner_groups(folder: Path, org: Organisation, planted: list[Runner]) -> int:
    """GET /orgs/{org}/actions/runner-groups, plus each group's runner list (its runners_url)."""
    groups = [
        {
            "id": gid,
            "name": name,
            "visibility": visibility,
            "default": gid == 1,
            "runners_url": f"https://api.github.com/orgs/{ORG}/actions/runner-groups/{gid}/runners",
            "inherited": False,
            "allows_public_repositories": False,
            "restricted_to_workflows": gid == 3,
            "selected_workflows": [f"{ORG}/payments-deploy/.github/workflows/deploy.yml@refs/heads/main"]
            if gid == 3
            else [],
            "workflow_restrictions_read_only": False,
        }
        for name, gid, visibility in _GROUPS
    ]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "runner-groups.json").write_bytes(
        orjson.dumps({"total_count": len(groups), "runner_groups": groups}, option=orjson.OPT_INDENT_2) + b"\n"
    )
    for _name, gid, _ in _GROUPS:
        members = [r for r in all_runners(org, planted) if _group_id(r.group) == gid]
        items = (_runner_json(r, False) for r in members)
        stream_json_list(
            folder / f"runner-group-{gid}-runners.json",
            b'{\n  "total_count": %d,\n  "runners": [' % len(members),
            items,
        )
    return len(groups)
