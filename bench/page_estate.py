"""A store whose one credential has a blast radius of about N nodes, for the page's performance figures.

`python bench/page_estate.py FOLDER [N]` writes FOLDER/keytrail.db and FOLDER/tokens.db and
prints JSON {store, secret, token, subject} for `keytrail serve` (frontend/e2e/harness.mjs
starts it). The shape is a real one, only wide: a key of an identity that can assume 49 roles,
each granted ~100 resources at mixed levels, and one session that touched a few of them,
some without a grant — so the drawing has depth rings, all three privilege levels and touched edges.
"""

from __future__ import annotations

import json
import secrets
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from api.auth import Role, TokenStore  # noqa: E402
from graph.embedded import EmbeddedStore  # noqa: E402
from graph.model import Edge, Node  # noqa: E402
from graph.schema import EdgeKind, NodeKind  # noqa: E402

ACCOUNT = "999999999999"
LEVELS = ("read", "write", "admin")


def _edge(source: Node, kind: EdgeKind, target: Node, **props: object) -> Edge:
    return Edge(
        source=source.id, source_kind=source.kind, kind=kind, target=target.id, target_kind=target.kind, props=props
    )


def build(folder: Path, size: int) -> dict[str, str]:
    roles_count = 49
    user = Node(id=f"aws:arn:arn:aws:iam::{ACCOUNT}:user/svc-wide", kind=NodeKind.IDENTITY, name="svc-wide")
    key = Node(id="aws:key:AKIAWIDE000000000001", kind=NodeKind.CREDENTIAL, name="AKIAWIDE000000000001")
    nodes, edges = [user, key], [_edge(user, EdgeKind.HAS_CREDENTIAL, key)]
    grantees = [user]
    for r in range(roles_count):
        name = f"wide-{r:02d}"
        role = Node(id=f"aws:arn:arn:aws:iam::{ACCOUNT}:role/{name}", kind=NodeKind.IDENTITY, name=name)
        nodes.append(role)
        edges.append(_edge(user, EdgeKind.CAN_ASSUME, role, via="aws_principal"))
        grantees.append(role)
    resources = []
    for i in range(max(0, size - len(nodes))):  # the blast radius: exactly `size` nodes
        g = i % len(grantees)
        name = f"bucket-{g:02d}-{i // len(grantees):03d}"
        resource = Node(id=f"aws:res:{ACCOUNT}:s3:{name}", kind=NodeKind.RESOURCE, name=name)
        resources.append(resource)
        level = LEVELS[i % 7 // 3]  # 3 read : 3 write : 1 admin
        edges.append(_edge(grantees[g], EdgeKind.CAN_ACCESS, resource, level=level, actions=[f"s3:{level}"]))
    nodes.extend(resources)
    session = Node(id=f"session:aws:{key.name}:wide:2026-10-01T00:00:00Z", kind=NodeKind.SESSION, name="wide session")
    ungranted = [Node(id=f"aws:res:{ACCOUNT}:sqs:q-{i}", kind=NodeKind.RESOURCE, name=f"q-{i}") for i in range(3)]
    nodes += [session, *ungranted]
    edges.append(_edge(session, EdgeKind.AUTHENTICATED_WITH, key))
    edges.append(_edge(session, EdgeKind.ACTED_AS, user))
    for target in [*resources[:10], *ungranted]:
        edges.append(_edge(session, EdgeKind.TOUCHED, target, actions=["GetObject"]))
    store = EmbeddedStore(folder / "keytrail.db")
    store.write(nodes, edges)
    store.close()
    secret = secrets.token_urlsafe(32)
    tokens = TokenStore(folder / "tokens.db", secret)
    _record, token = tokens.create(Role.READER, "page-bench")
    tokens.close()
    return {"store": str(folder / "keytrail.db"), "secret": secret, "token": token, "subject": key.id}


def main(argv: list[str]) -> int:
    if not argv:
        print("usage: bench/page_estate.py FOLDER [NODES]", file=sys.stderr)
        return 2
    folder = Path(argv[0])
    folder.mkdir(parents=True, exist_ok=True)
    print(json.dumps(build(folder, int(argv[1]) if len(argv) > 1 else 5000)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
