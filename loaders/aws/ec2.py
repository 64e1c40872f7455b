"""AWS EC2 `describe-instances` JSON → instance Workloads, their roles, and self-hosted runners.

One record per `Reservations[i].Instances[j]`. Each instance is a Workload `aws.ec2.instance`
(`ids.ec2_instance`) with its private and public IPs, state, tags and `environment` (from an
`environment` / `env` / `stage` tag). Ownership tags become OWNS (loaders/aws/tags.py).

Instance profile → role (RUNS_AS, `via: instance_profile`): the IAM export lists each role's
instance profiles (`instance_profiles` on the role Identity, read in `prepare`), which decides
when loaded; otherwise the role named like the profile in the same account — the console and
most infrastructure code create them as a pair. The fallback is stated in the edge's
`matched_by: profile_name`.

Runners: loaders/aws/runners.py decides which runner an instance is (a runner-name tag, the
terraform-aws-github-runner module's `ghr:` tags, or a runner in the graph named the instance
id, its private DNS name or host name, or a pool named like its auto-scaling group). The runner
(or pool) RUNS_ON the instance's Workload, the edge saying which rule matched (`matched_by`) and
`match_strength` (strong | weak), so an answer can say "matched by host name only". On a strong
match the instance is the runner: the Runner `github:<org>:runner:<name>` (the id the runner
inventory uses) gets its addresses in `ip_addresses`, so a CloudTrail source IP resolves to it;
a weak match leaves the addresses on the Workload. Without an org the instance stays a Workload
only: a runner id is never guessed.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

from graph import ids
from graph.errors import LoadError, quoted
from graph.model import Evidence, Node
from graph.schema import EdgeKind, NodeKind
from loaders.aws.runners import KnownRunners, RunnerMatch, match_runner
from loaders.aws.tags import owner_edges, tag_pairs, tag_texts
from loaders.base import Item, KnownNodes, LoadContext, Loader, Location, Record, Sample, SourceFile, evidenced_edge
from loaders.formats.json import iter_json_documents

__all__ = ["Ec2InstancesLoader", "Instance"]

NAME = "aws-ec2"
ENVIRONMENT_TAGS = ("environment", "env", "stage")
STATE_PROFILES = "aws_ec2.profiles"
STATE_RUNNERS = "aws_ec2.runners"


@dataclass(frozen=True, slots=True)
class Instance:
    data: Mapping[str, Any]
    account: str
    locator: str


_TYPES: tuple[tuple[str, str | None, type, str], ...] = (
    ("Placement", None, Mapping, "an object"),
    ("Placement", "AvailabilityZone", str, "a string"),
    ("NetworkInterfaces", None, list, "a list"),
)
"""(field, inner field, type, its name) the transform reads: a wrong-typed one (a damaged or hostile
file) rejects its instance, named, instead of a TypeError in the transform."""


def _wrong_type(data: Mapping[str, Any]) -> str:
    """The first field of an instance whose JSON type is not the one describe-instances gives, '' if none."""
    for key, inner, expected, name in _TYPES:
        value = data.get(key)
        if inner is not None:
            value = value.get(inner) if isinstance(value, Mapping) else None
        if value is not None and not isinstance(value, expected):
            return f"field {key + ('.' + inner if inner else '')!r}: expected {name}, got {type(value).__name__}"
    for index, interface in enumerate(data.get("NetworkInterfaces") or []):
        listed = interface.get("PrivateIpAddresses") if isinstance(interface, Mapping) else None
        if listed is not None and not isinstance(listed, list):
            field = f"NetworkInterfaces[{index}].PrivateIpAddresses"
            return f"field {field!r}: expected a list, got {type(listed).__name__}"
    return ""


def _addresses(data: Mapping[str, Any]) -> tuple[list[str], list[str]]:
    private = {data["PrivateIpAddress"]} if isinstance(data.get("PrivateIpAddress"), str) else set()
    public = {data["PublicIpAddress"]} if isinstance(data.get("PublicIpAddress"), str) else set()
    for interface in data.get("NetworkInterfaces") or []:
        if not isinstance(interface, Mapping):
            continue
        for address in interface.get("PrivateIpAddresses") or []:
            if isinstance(address, Mapping):
                if isinstance(address.get("PrivateIpAddress"), str):
                    private.add(address["PrivateIpAddress"])
                association = address.get("Association")
                if isinstance(association, Mapping) and isinstance(association.get("PublicIp"), str):
                    public.add(association["PublicIp"])
    return sorted(private), sorted(public)


class Ec2InstancesLoader(Loader[Instance]):
    name = NAME
    description = "AWS EC2 describe-instances JSON"

    def sniff(self, sample: Sample) -> bool:
        return sample.text.lstrip().startswith("{") and '"Reservations"' in sample.text and '"Instances"' in sample.text

    def prepare(self, ctx: LoadContext, known: KnownNodes) -> None:
        profiles: dict[str, str] = {}
        for node in _all(known, NodeKind.IDENTITY):
            listed = node.props.get("instance_profiles")
            for profile in listed if isinstance(listed, list) else []:
                profiles[str(profile)] = node.id
        runners = KnownRunners()
        for node in _all(known, NodeKind.RUNNER):
            runners.add(node.id)
        ctx.state[STATE_PROFILES] = profiles
        ctx.state[STATE_RUNNERS] = runners

    def parse(self, source: SourceFile) -> Iterator[Record[Instance] | LoadError]:
        for parsed in iter_json_documents(source):
            if isinstance(parsed, LoadError):
                yield parsed
                continue
            reservations = parsed.value.get("Reservations") if isinstance(parsed.value, Mapping) else None
            if not isinstance(reservations, list):
                yield parsed.location.error("not a describe-instances document (no Reservations list)")
                continue
            position = 0
            for i, reservation in enumerate(reservations):
                owner = reservation.get("OwnerId", "") if isinstance(reservation, Mapping) else ""
                instances = reservation.get("Instances") if isinstance(reservation, Mapping) else None
                for j, data in enumerate(instances if isinstance(instances, list) else []):
                    position += 1
                    locator = f"Reservations[{i}].Instances[{j}]"
                    where = Location(source.display, record=position)
                    if not isinstance(data, Mapping) or not isinstance(data.get("InstanceId"), str):
                        yield where.error(f"{locator}: missing InstanceId")
                    elif not (isinstance(owner, str) and owner.isdigit() and len(owner) == 12):
                        yield where.error(f"{locator}: reservation OwnerId {quoted(owner)} is not an AWS account id")
                    elif problem := _wrong_type(data):
                        yield where.error(f"{locator}: {problem}")
                    else:
                        yield Record(where, Instance(data, owner, locator))

    def transform(self, record: Record[Instance], ctx: LoadContext) -> Iterable[Item]:
        data, account = record.value.data, record.value.account
        evidence = Evidence(source=record.location.file, locator=record.value.locator)
        zone = (
            (data.get("Placement") or {}).get("AvailabilityZone", "")
            if isinstance(data.get("Placement"), Mapping)
            else ""
        )
        region = zone[:-1] if zone and zone[-1].isalpha() else zone
        instance_id = data["InstanceId"]
        workload = ids.ec2_instance(account, region, instance_id)
        pairs = tag_pairs(data.get("Tags"))
        lowered = {key.lower(): value for key, value in pairs}
        environment = next((lowered[t].strip().lower() for t in ENVIRONMENT_TAGS if lowered.get(t, "").strip()), None)
        private, public = _addresses(data)
        state = data.get("State")
        props: dict[str, Any] = {
            "platform": "aws",
            "instance_id": instance_id,
            "state": state.get("Name") if isinstance(state, Mapping) else None,
            "private_ips": private or None,
            "public_ips": public or None,
            "account": account,
            "region": region or None,
            "tags": tag_texts(pairs) or None,
            "environment": environment,
        }
        items: list[Item] = [
            Node(
                id=workload,
                kind=NodeKind.WORKLOAD,
                subtype="aws.ec2.instance",
                name=lowered.get("name") or instance_id,
                props=props,
                sources=(NAME,),
            )
        ]
        role = self._role(data, account, ctx)
        if role is not None:
            items.append(
                _edge(
                    workload,
                    NodeKind.WORKLOAD,
                    EdgeKind.RUNS_AS,
                    role[0],
                    NodeKind.IDENTITY,
                    evidence,
                    via="instance_profile",
                    matched_by=role[1],
                )
            )
        items.extend(owner_edges(pairs, ctx.owner_tag_names, workload, NodeKind.WORKLOAD, evidence, NAME))
        dns = str(data.get("PrivateDnsName") or "")
        known: KnownRunners = ctx.state.get(STATE_RUNNERS) or KnownRunners()
        match = match_runner(lowered, instance_id, dns, ctx.runner_org, known)
        if match is not None:
            runner = _Runner(match, workload, instance_id, private + public, environment)
            items.extend(self._runner(runner, lowered, ctx, role, evidence))
        return items

    def _role(self, data: Mapping[str, Any], account: str, ctx: LoadContext) -> tuple[str, str | None] | None:
        profile = data.get("IamInstanceProfile")
        arn = profile.get("Arn") if isinstance(profile, Mapping) else None
        if not isinstance(arn, str) or "instance-profile/" not in arn:
            return None
        known = ctx.state.get(STATE_PROFILES, {}).get(arn)
        if known:
            return known, None
        name = arn.rsplit("/", 1)[-1]
        profile_account = arn.split(":")[4] if arn.count(":") >= 5 else account
        return ids.aws_role_by_name(profile_account or account, name), "profile_name"

    def _runner(
        self,
        found: _Runner,
        tags: Mapping[str, str],
        ctx: LoadContext,
        role: tuple[str, str | None] | None,
        evidence: Evidence,
    ) -> Iterator[Item]:
        match = found.match
        props: dict[str, Any] = {"platform": "github", "hosted": "self"}
        if match.strong:  # the instance is the runner: its addresses and identity are the runner's
            props |= {"ip_addresses": found.addresses or None, "instance_id": found.instance_id}
            props["environment"] = found.environment
            if tags.get("github-runner-group", "").strip():
                props["group"] = tags["github-runner-group"].strip()
        if not match.pool:
            yield Node(
                id=match.runner, kind=NodeKind.RUNNER, subtype="github.runner", name=match.name, props=props,
                sources=(NAME,),
            )  # fmt: skip
        yield _edge(
            match.runner, NodeKind.RUNNER, EdgeKind.RUNS_ON, found.workload, NodeKind.WORKLOAD, evidence,
            matched_by=match.matched_by, match_strength="strong" if match.strong else "weak",
        )  # fmt: skip
        if match.runner_type:
            pool = ids.github_runner_label(match.org, match.runner_type)
            yield Node(id=pool, kind=NodeKind.RUNNER, subtype="github.runner_label", name=match.runner_type.lower(),
                       props={"platform": "github", "hosted": "self", "labels": [match.runner_type.lower()]},
                       sources=(NAME,))  # fmt: skip
            yield _edge(match.runner, NodeKind.RUNNER, EdgeKind.MEMBER_OF, pool, NodeKind.RUNNER, evidence)
        if not match.strong or match.pool:
            return  # a weak match does not hand the instance's role or owners to the runner
        if role is not None:
            yield _edge(
                match.runner,
                NodeKind.RUNNER,
                EdgeKind.RUNS_AS,
                role[0],
                NodeKind.IDENTITY,
                evidence,
                via="instance_profile",
                matched_by=role[1],
            )
        yield from owner_edges(list(tags.items()), ctx.owner_tag_names, match.runner, NodeKind.RUNNER, evidence, NAME)


@dataclass(frozen=True, slots=True)
class _Runner:
    match: RunnerMatch
    workload: str
    instance_id: str
    addresses: list[str]
    environment: str | None


_edge = partial(evidenced_edge, NAME)


def _all(known: KnownNodes, kind: NodeKind) -> Iterator[Node]:
    after = ""
    while True:
        page = known.nodes_of_kind(kind, after=after, limit=1000)
        yield from page
        if len(page) < 1000:
            return
        after = page[-1].id
