"""AWS EC2 `describe-instances` JSON → instance Workloads, their roles, and self-hosted runners.

One record per `Reservations[i].Instances[j]`. Each instance is a Workload `aws.ec2.instance`
(`ids.ec2_instance`) with its private and public IPs, state, tags and `environment` (from an
`environment` / `env` / `stage` tag). Ownership tags become OWNS (loaders/aws/tags.py).

Instance profile → role (RUNS_AS, `via: instance_profile`): the IAM export lists each role's
instance profiles (`instance_profiles` on the role Identity, read in `prepare`), which decides
when loaded; otherwise the role named like the profile in the same account — the console and
most infrastructure code create them as a pair. The fallback is stated in the edge's
`matched_by: profile_name`.

Runners: an instance tagged `github-runner-name`, `GitHubRunner` or `runner-name` is also the
self-hosted Runner `github:<org>:runner:<name>` — the same id the runner inventory uses — with
its addresses in `ip_addresses`, so a CloudTrail source IP resolves to it. The org comes from a
`github-org` tag, else `ctx.runner_org`, else the one org of the runners already in the graph
that has a runner of that name (or the only org known). Without an org the instance stays a
Workload only: a runner id is never guessed.
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
from loaders.aws.tags import owner_edges, tag_pairs, tag_texts
from loaders.base import Item, KnownNodes, LoadContext, Loader, Location, Record, Sample, SourceFile, evidenced_edge
from loaders.formats.json import iter_json_documents

__all__ = ["Ec2InstancesLoader", "Instance"]

NAME = "aws-ec2"
RUNNER_TAGS = ("github-runner-name", "githubrunner", "runner-name")
ENVIRONMENT_TAGS = ("environment", "env", "stage")
STATE_PROFILES = "aws_ec2.profiles"
STATE_RUNNERS = "aws_ec2.runners"


@dataclass(frozen=True, slots=True)
class Instance:
    data: Mapping[str, Any]
    account: str
    locator: str


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
        runners: dict[str, set[str]] = {}
        for node in _all(known, NodeKind.RUNNER):
            parts = node.id.split(":")
            if len(parts) >= 4 and parts[0] == "github" and parts[2] == "runner":
                runners.setdefault(":".join(parts[3:]), set()).add(parts[1])
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
        items.extend(self._runner(lowered, ctx, instance_id, private + public, environment, role, evidence))
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
        tags: Mapping[str, str],
        ctx: LoadContext,
        instance_id: str,
        addresses: list[str],
        environment: str | None,
        role: tuple[str, str | None] | None,
        evidence: Evidence,
    ) -> Iterator[Item]:
        name = next((tags[t].strip() for t in RUNNER_TAGS if tags.get(t, "").strip()), "")
        if not name:
            return
        org = tags.get("github-org", "").strip() or ctx.runner_org or self._known_org(name, ctx)
        if not org:
            return
        runner = ids.github_runner(org, name)
        props: dict[str, Any] = {
            "platform": "github",
            "hosted": "self",
            "ip_addresses": addresses or None,
            "instance_id": instance_id,
            "environment": environment,
        }
        if tags.get("github-runner-group", "").strip():
            props["group"] = tags["github-runner-group"].strip()
        yield Node(id=runner, kind=NodeKind.RUNNER, subtype="github.runner", name=name, props=props, sources=(NAME,))
        if role is not None:
            yield _edge(
                runner,
                NodeKind.RUNNER,
                EdgeKind.RUNS_AS,
                role[0],
                NodeKind.IDENTITY,
                evidence,
                via="instance_profile",
                matched_by=role[1],
            )
        yield from owner_edges(list(tags.items()), ctx.owner_tag_names, runner, NodeKind.RUNNER, evidence, NAME)

    def _known_org(self, name: str, ctx: LoadContext) -> str:
        runners: dict[str, set[str]] = ctx.state.get(STATE_RUNNERS, {})
        named = runners.get(name, set())
        if len(named) == 1:
            return next(iter(named))
        orgs = set().union(*runners.values()) if runners else set()
        return next(iter(orgs)) if len(orgs) == 1 else ""


_edge = partial(evidenced_edge, NAME)


def _all(known: KnownNodes, kind: NodeKind) -> Iterator[Node]:
    after = ""
    while True:
        page = known.nodes_of_kind(kind, after=after, limit=1000)
        yield from page
        if len(page) < 1000:
            return
        after = page[-1].id
