"""The background organisation: sizes from --scale and index-addressable people, teams, repos, runners.

Every entity is a pure function of (seed, index): nothing here keeps a list of the whole
organisation, so writers can stream a million people and still agree with each other (the
SCIM writer, the Backstage writer and the IAM `owner-email` tags all call `person(i)` and get
the same email). Planted situations live in planted.py and use names that never collide with
these (the background pool has no planted first names and no `legacy-`/planted team slugs).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from loaders.demo.derive import Derive

__all__ = ["DOMAIN", "OFFICE_IP", "ORG", "Organisation", "Person", "Repo", "Runner", "Sizes", "Team", "ip_from_int"]

ORG = "acme"
DOMAIN = "acme.example"

FIRST = [
    "alex",
    "amara",
    "ben",
    "carla",
    "chen",
    "diego",
    "elif",
    "femi",
    "gita",
    "hana",
    "ivan",
    "jana",
    "kofi",
    "lena",
    "marco",
    "nadia",
    "omar",
    "priya",
    "quinn",
    "rosa",
    "sami",
    "tara",
    "umar",
    "vera",
    "wen",
    "xena",
    "yusuf",
    "zoe",
    "aiko",
    "bruno",
    "cora",
    "dmitri",
    "esme",
    "felix",
    "greta",
    "hugo",
    "isla",
    "joel",
    "kira",
    "liam",
    "mila",
    "noah",
    "olga",
    "paulo",
    "rhea",
    "sven",
    "tomas",
    "una",
    "vikram",
    "willa",
    "yara",
    "zane",
    "anya",
    "boris",
    "celia",
    "dario",
    "edda",
    "fynn",
    "gael",
]
LAST = [
    "adams",
    "baker",
    "costa",
    "dubois",
    "evans",
    "fischer",
    "garcia",
    "hoang",
    "ito",
    "jensen",
    "kowalski",
    "lopez",
    "moreau",
    "nakamura",
    "okafor",
    "petrov",
    "quispe",
    "rossi",
    "schmidt",
    "tanaka",
    "ueda",
    "varga",
    "weber",
    "xu",
    "yilmaz",
    "zhang",
    "abbott",
    "bianchi",
    "carter",
    "dias",
    "eriksen",
    "ferrari",
    "gomez",
    "haas",
    "ivanova",
    "jovanovic",
    "kim",
    "larsen",
    "meyer",
    "novak",
    "olsen",
    "park",
    "reyes",
    "silva",
    "thomsen",
    "urban",
    "vogel",
    "walsh",
    "young",
    "zimmer",
    "andersen",
    "bauer",
    "cruz",
    "diaz",
    "engel",
    "frank",
]
TEAM_WORDS = [
    "payments",
    "checkout",
    "identity",
    "search",
    "catalog",
    "pricing",
    "ledger",
    "fulfilment",
    "messaging",
    "analytics",
    "platform",
    "observability",
    "storage",
    "networking",
    "mobile",
    "web",
    "growth",
    "fraud",
    "risk",
    "inventory",
]
SERVICE_WORDS = [
    "api",
    "worker",
    "sync",
    "export",
    "import",
    "report",
    "notifier",
    "scheduler",
    "gateway",
    "indexer",
    "billing",
    "etl",
    "backup",
    "mailer",
    "uploader",
    "resizer",
    "crawler",
    "auditor",
    "metrics",
    "ingest",
]
PARENTS = ("eng-platform", "eng-product", "eng-data", "eng-security")


def ip_from_int(base: int, offset: int) -> str:
    value = base + offset
    return f"{value >> 24 & 255}.{value >> 16 & 255}.{value >> 8 & 255}.{value & 255}"


# Address plans (why: CloudTrail sourceIPAddress must resolve to exactly one runner or host).
RUNNER_PUBLIC = (44 << 24) | (192 << 16)  # 44.192.0.0/11: self-hosted runner elastic IPs
RUNNER_PRIVATE = (10 << 24) | (20 << 16)  # 10.20.0.0/16
HOST_PUBLIC = (54 << 24) | (160 << 16)  # 54.160.0.0/11: workload instances
HOST_PRIVATE = (10 << 24) | (40 << 16)  # 10.40.0.0/14
HOSTED_PUBLIC = (4 << 24) | (175 << 16)  # 4.175.0.0/16: GitHub-hosted (Azure) runners
OFFICE_PUBLIC = (203 << 24) | (0 << 16) | (113 << 8)  # 203.0.113.0/24: office NAT
OFFICE_IP = ip_from_int(OFFICE_PUBLIC, 40)  # the office NAT address people at their desks come from


@dataclass(frozen=True)
class Sizes:
    """Counts of background entities; each grows linearly with --scale."""

    scale: int
    people: int
    teams: int
    repos: int
    runners: int
    hosts_per_account: int
    users_per_account: int
    roles_per_account: int
    events: int

    @classmethod
    def for_scale(cls, scale: int) -> Sizes:
        return cls(
            scale=scale,
            people=400 * scale,
            teams=20 * scale,
            repos=30 * scale,
            runners=20 * scale,
            hosts_per_account=30 * scale,
            users_per_account=100 * scale,
            roles_per_account=100 * scale,
            events=10_500 * scale,
        )


@dataclass(frozen=True)
class Person:
    index: int
    given: str
    family: str
    email: str
    active: bool
    manager: int | None
    team: int
    employee_number: str
    scim_id: str


@dataclass(frozen=True)
class Team:
    index: int
    slug: str
    display: str
    parent: str


@dataclass(frozen=True)
class Repo:
    index: int
    name: str
    team: int
    system: str


@dataclass(frozen=True)
class Runner:
    index: int
    name: str
    pool: str
    group: str
    public_ip: str
    private_ip: str
    instance_id: str
    runner_id: int


class Organisation:
    """Index-addressable background entities for one seed and scale."""

    def __init__(self, derive: Derive, sizes: Sizes) -> None:
        self.derive = derive
        self.sizes = sizes

    def person(self, i: int) -> Person:
        d = self.derive
        given, family = FIRST[i % len(FIRST)], LAST[(i // len(FIRST)) % len(LAST)]
        generation = i // (len(FIRST) * len(LAST))
        local = f"{given}.{family}" + (str(generation + 1) if generation else "")
        return Person(
            index=i,
            given=given.capitalize(),
            family=family.capitalize(),
            email=f"{local}@{DOMAIN}",
            # ~8% leavers: realistic noise; the manager tree stays rooted at person 0 (active).
            active=i == 0 or not d.chance(8, "leaver", i),
            manager=None if i == 0 else (i - 1) // 8,
            team=i % self.sizes.teams,
            employee_number=str(100000 + i),
            scim_id=d.uuid("scim-user", i),
        )

    def team(self, j: int) -> Team:
        word = TEAM_WORDS[j % len(TEAM_WORDS)]
        generation = j // len(TEAM_WORDS)
        slug = word if generation == 0 else f"{word}-{generation + 1}"
        return Team(index=j, slug=slug, display=slug.replace("-", " ").title(), parent=PARENTS[j % len(PARENTS)])

    def team_members(self, j: int) -> range:
        return range(j, self.sizes.people, self.sizes.teams)

    def repo(self, k: int) -> Repo:
        word = SERVICE_WORDS[k % len(SERVICE_WORDS)]
        team = self.team(k % self.sizes.teams)
        name = f"{team.slug}-{word}" + (f"-{k // len(SERVICE_WORDS)}" if k >= len(SERVICE_WORDS) else "")
        return Repo(index=k, name=name, team=team.index, system=f"{team.slug}-system")

    def runner(self, i: int) -> Runner:
        pool = ("build", "build", "integration", "gpu")[i % 4]
        return Runner(
            index=i,
            name=f"gh-runner-{pool}-{i:05d}",
            pool=pool,
            group="default" if pool != "gpu" else "ml-runners",
            public_ip=ip_from_int(RUNNER_PUBLIC, 256 + i),
            private_ip=ip_from_int(RUNNER_PRIVATE, 256 + i),
            instance_id="i-0" + self.derive.hex(16, "runner-instance", i),
            runner_id=1000 + i,
        )

    def host_ips(self, account: str, h: int) -> tuple[str, str, str]:
        """(instance id, public IP, private IP) of workload host h in an account."""
        slot = {"staging": 0, "production": 1, "shared": 2}[account] * (1 << 18) + h
        return (
            "i-0" + self.derive.hex(16, "host", account, h),
            ip_from_int(HOST_PUBLIC, slot),
            ip_from_int(HOST_PRIVATE, slot),
        )


def all_runners(org: Organisation, planted: list[Runner]) -> Iterator[Runner]:
    """The planted runners, then the background fleet: the EC2 instances and the GitHub runners
    are the same machines."""
    yield from planted
    yield from (org.runner(i) for i in range(org.sizes.runners))
