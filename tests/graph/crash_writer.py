"""Writes numbered batches to an embedded store and acknowledges each after `write` returns.

Run by tests/test_crash_safety.py as `python tests/graph/crash_writer.py <db path> <first batch>`; the
test kills it with SIGKILL at a random moment after it prints `ready`. Batch `i` holds one Team `team:batch-<i>` and
`batch_size(i)` people, each MEMBER_OF that team, so a half-written batch is easy to spot.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from graph.embedded import EmbeddedStore
from graph.model import Edge, Node
from graph.schema import EdgeKind, NodeKind

LARGE_EVERY = 7


def batch_size(number: int) -> int:
    return 5_000 if number % LARGE_EVERY == LARGE_EVERY - 1 else 40 + number % 13


def batch(number: int) -> tuple[list[Node], list[Edge]]:
    team = f"team:batch-{number:05}"
    nodes = [Node(id=team, kind=NodeKind.TEAM, sources=("crash",))]
    edges = []
    for member in range(batch_size(number)):
        person = f"person:p{number:05}-{member}@example.com"
        nodes.append(Node(id=person, kind=NodeKind.PERSON, sources=("crash",)))
        edges.append(
            Edge(
                source=person,
                source_kind=NodeKind.PERSON,
                kind=EdgeKind.MEMBER_OF,
                target=team,
                target_kind=NodeKind.TEAM,
                sources=("crash",),
            )
        )
    return nodes, edges


def main() -> None:
    store = EmbeddedStore(Path(sys.argv[1]))
    number = int(sys.argv[2])
    print("ready", flush=True)  # imports and open done: the test's kill timer starts now
    while True:
        nodes, edges = batch(number)
        print(f"begin {number}", flush=True)
        store.write(nodes, edges)
        print(f"committed {number}", flush=True)
        number += 1


if __name__ == "__main__":
    main()
