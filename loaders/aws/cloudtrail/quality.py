"""What a CloudTrail load found wrong in the data itself, for the load summary.

Real trails are clean here; hand-made and anonymised logs are not, and a user must hear of it
rather than get a quietly blended answer:

- eventIDs shared by several different change events (panther's test data reuses "1" for
  dozens): each event stays its own Change (loaders/aws/cloudtrail/changes.py), and the summary
  says which ids repeat and how often;
- caller ARNs that had to be normalised (an assumed-role ARN without a session name, or under
  `iam` instead of `sts`: graph/ids.py `aws_arn_repair`), counted per reason with examples.

Counts are exact; the ids kept per repeated eventID are bounded (MAX_TRACKED eventIDs), and
worker processes' findings merge into the main process's before `finish`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from graph.errors import quoted

__all__ = ["MAX_TRACKED", "Quality"]

MAX_TRACKED = 200_000
_EXAMPLES = 3


@dataclass(slots=True)
class Quality:
    changes_by_event_id: dict[str, set[str]] = field(default_factory=dict)
    repairs: dict[str, tuple[list[int], set[str]]] = field(default_factory=dict)

    def change(self, event_id: object, change_id: str) -> None:
        if type(event_id) is not str or not event_id:
            return
        seen = self.changes_by_event_id.get(event_id)
        if seen is None:
            if len(self.changes_by_event_id) >= MAX_TRACKED:
                return
            seen = self.changes_by_event_id[event_id] = set()
        seen.add(change_id)

    def repaired(self, reason: str, arn: object) -> None:
        count, examples = self.repairs.setdefault(reason, ([0], set()))
        count[0] += 1
        if type(arn) is str and len(examples) < _EXAMPLES:
            examples.add(arn)

    def merge(self, other: Quality) -> None:
        for event_id, changes in other.changes_by_event_id.items():
            for change in changes:
                self.change(event_id, change)
        for reason, (count, examples) in other.repairs.items():
            mine, kept = self.repairs.setdefault(reason, ([0], set()))
            mine[0] += count[0]
            kept.update(sorted(examples)[: _EXAMPLES - len(kept)] if len(kept) < _EXAMPLES else ())

    def notes(self) -> list[str]:
        found: list[str] = []
        repeated = {i: len(c) for i, c in self.changes_by_event_id.items() if len(c) > 1}
        if repeated:
            worst = sorted(repeated.items(), key=lambda p: (-p[1], p[0]))[:5]
            listed = ", ".join(f"{quoted(event_id)} x{count}" for event_id, count in worst)
            found.append(
                f"aws-cloudtrail: {len(repeated)} eventID(s) name several different change events ({listed}); "
                "each event is its own Change, identified by its time, source, account, name, parameters and caller"
            )
        for reason in sorted(self.repairs):
            count, examples = self.repairs[reason]
            found.append(f"aws-cloudtrail: {count[0]} event(s) with an {reason}, e.g. {', '.join(sorted(examples))}")
        return found
