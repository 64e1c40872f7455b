"""Every canonical id helper: its normalisation rules, and a located error for bad input."""

from __future__ import annotations

import pytest

from graph import ids
from graph.errors import ModelError
from graph.model import validate_id

WF = ".github/workflows/ci.yml"


@pytest.mark.parametrize(
    ("made", "expected"),
    [
        (ids.person(" Alice.Smith@Example.COM "), "person:alice.smith@example.com"),
        (ids.team("Group:default/Platform Team"), "team:platform-team"),
        (ids.team("group:SRE_on_call"), "team:sre-on-call"),
        (ids.team("default/payments"), "team:payments"),
        (ids.aws_account(" 123456789012 "), "aws:account:123456789012"),
        (ids.aws_key("akiaiosfodnn7example"), "aws:key:AKIAIOSFODNN7EXAMPLE"),
        # IAM names are unique per account whatever the path: CloudTrail's assumed-role ARNs never print it
        (ids.aws_arn("arn:aws:iam::123456789012:role/ops/Deploy"), "aws:arn:arn:aws:iam::123456789012:role/Deploy"),
        (
            ids.aws_arn("arn:aws:iam::187901811700:role/aws-reserved/sso.amazonaws.com/us-west-2/AWSReservedSSO_A_1"),
            "aws:arn:arn:aws:iam::187901811700:role/AWSReservedSSO_A_1",
        ),
        (ids.aws_arn("arn:aws:iam::123456789012:user/eng/alice"), "aws:arn:arn:aws:iam::123456789012:user/alice"),
        (ids.aws_arn("arn:aws:iam::aws:policy/service-role/X"), "aws:arn:arn:aws:iam::aws:policy/service-role/X"),
        # hand-written assumed-role ARNs that still name one role are normalised (aws_arn_repair says why)
        (ids.aws_arn("arn:aws:sts::123456789012:assumed-role/tester"), "aws:arn:arn:aws:iam::123456789012:role/tester"),
        (
            ids.aws_arn("arn:aws:iam::123456789012:assumed-role/okta/t@example.com"),
            "aws:arn:arn:aws:iam::123456789012:role/okta",
        ),
        (ids.aws_arn("ARN:AWS:IAM::123456789012:user/CI"), "aws:arn:arn:aws:iam::123456789012:user/CI"),
        (
            ids.aws_arn("arn:aws:sts::123456789012:assumed-role/Deploy/alice@example.com"),
            "aws:arn:arn:aws:iam::123456789012:role/Deploy",
        ),
        (ids.aws_principal("arn:aws:iam::123456789012:root"), "aws:arn:arn:aws:iam::123456789012:root"),
        (ids.aws_role_by_name("123456789012", "Deploy"), "aws:arn:arn:aws:iam::123456789012:role/Deploy"),
        (ids.aws_resource("arn:aws:s3:::acme-data"), "aws:arn:arn:aws:s3:::acme-data"),
        (ids.aws_resource("acme-data", "S3", "123456789012"), "aws:res:123456789012:s3:acme-data"),
        (ids.aws_resource("thing"), "aws:res:unknown:thing"),
        (
            ids.ec2_instance("123456789012", "eu-west-1", "i-0abc"),
            "aws:arn:arn:aws:ec2:eu-west-1:123456789012:instance/i-0abc",
        ),
        (ids.github_repo("Acme", "API"), "github:acme/api"),
        (ids.github_secret("Acme", "API", "AWS_KEY"), "github:acme/api:secret:AWS_KEY"),
        (ids.github_secret("Acme", None, "NPM_TOKEN"), "github:acme:secret:NPM_TOKEN"),
        (ids.github_secret("acme", "api", "DB", environment="prod"), "github:acme/api:env:prod:secret:DB"),
        (
            ids.github_workflow("acme", "api", "./.github/workflows/ci.yml"),
            "github:acme/api:workflow:.github/workflows/ci.yml",
        ),
        (
            ids.github_job("acme", "api", ".github/workflows/ci.yml", "build"),
            "github:acme/api:workflow:.github/workflows/ci.yml:job:build",
        ),
        (ids.github_runner("Acme", "Build-01"), "github:acme:runner:Build-01"),
        (ids.github_runner_label("Acme", "Self-Hosted"), "github:acme:runner-label:self-hosted"),
        (ids.ssh_key("SHA256:" + "A" * 43 + "="), "ssh:SHA256:" + "A" * 43),
        (ids.ssh_key("sha256:" + "b" * 43), "ssh:SHA256:" + "b" * 43),
        (ids.ssh_key("MD5:" + ":".join(["AB"] * 16)), "ssh:MD5:" + ":".join(["ab"] * 16)),
        (ids.ssh_key(":".join(["0f"] * 16)), "ssh:MD5:" + ":".join(["0f"] * 16)),
        (ids.k8s_service_account("prod", "payments", "api"), "k8s:prod:sa:payments/api"),
        (ids.ip(" 10.0.0.7 "), "ip:10.0.0.7"),
        (ids.session("aws", "123456789012", "AROAEXAMPLE:alice"), "session:aws:123456789012:AROAEXAMPLE:alice"),
        (ids.change("aws", "a1b2-c3"), "change:aws:a1b2-c3"),
    ],
)
def test_helpers_normalise_and_build_valid_ids(made: str, expected: str) -> None:
    assert made == expected
    assert validate_id(made) == made


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: ids.person("not-an-email"), "malformed email 'not-an-email'"),
        (lambda: ids.team("   "), "malformed team name ''"),
        (lambda: ids.aws_account("12345"), "malformed AWS account id '12345'"),
        (lambda: ids.aws_key("XKIA123"), "malformed AWS access key id 'XKIA123'"),
        (lambda: ids.aws_arn("arn:aws:iam:role"), "malformed ARN 'arn:aws:iam:role'"),
        (lambda: ids.aws_arn("arn:aws:iam::1:role/x y"), "malformed ARN 'arn:aws:iam::1:role/x y'"),
        (
            lambda: ids.aws_arn("arn:aws:sts::98765432:assumed-role/IAM/alice"),
            "malformed ARN 'arn:aws:sts::98765432:assumed-role/IAM/alice'",
        ),
        (lambda: ids.aws_role_by_name("123456789012", ""), "malformed role name ''"),
        (lambda: ids.github_repo("acme", "my repo"), "malformed repository name 'my repo'"),
        (lambda: ids.github_secret("acme", "api", ""), "malformed secret name ''"),
        (lambda: ids.github_runner("", "r1"), "malformed GitHub org ''"),
        (lambda: ids.ssh_key("SHA256:short"), "malformed SSH fingerprint 'SHA256:short'"),
        (lambda: ids.ssh_key("ab:cd"), "malformed SSH fingerprint 'ab:cd'"),
        (lambda: ids.k8s_service_account("prod", "", "api"), "malformed namespace ''"),
        (lambda: ids.ip(""), "malformed IP address ''"),
        (lambda: ids.session("aws", "a b"), "malformed session part 'a b'"),
        (lambda: ids.change("aws", " "), "malformed event id ' '"),
        (lambda: ids.secret_hmac("value", b""), "an HMAC key is required"),
    ],
)
def test_bad_input_names_the_value(call: object, message: str) -> None:
    with pytest.raises(ModelError) as raised:
        call()  # type: ignore[operator]
    assert message in str(raised.value)


@pytest.mark.parametrize(
    ("arn", "reason"),
    [
        ("arn:aws:sts::123456789012:assumed-role/Deploy/alice", ""),
        ("arn:aws:iam::123456789012:role/ops/Deploy", ""),
        ("arn:aws:sts::123456789012:assumed-role/tester", "assumed-role ARN without a session name (read as the role)"),
        ("arn:aws:iam::123456789012:assumed-role/okta/x", "assumed-role ARN under the iam service (read as sts)"),
    ],
)
def test_repaired_arns_say_why(arn: str, reason: str) -> None:
    assert ids.aws_arn_repair(arn) == reason


def test_the_account_of_an_arn_id_is_the_one_it_names() -> None:
    assert ids.aws_arn_account(ids.aws_arn("arn:aws:sts::123123123123:assumed-role/MakeStuffPublic")) == "123123123123"
    assert ids.aws_arn_account(ids.aws_arn("arn:aws:s3:::bucket")) == ""
    assert ids.aws_arn_account(ids.aws_arn("arn:aws:iam::aws:policy/ReadOnlyAccess")) == ""


def test_secret_hmac_is_keyed_stable_and_never_the_value() -> None:
    secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    first = ids.secret_hmac(secret, b"key-one")
    assert first == ids.secret_hmac(secret, b"key-one")
    assert first != ids.secret_hmac(secret, b"key-two")
    assert first.startswith("secret:hmac:") and len(first) == len("secret:hmac:") + 40
    assert secret not in first
    validate_id(first)


def test_is_email() -> None:
    assert ids.is_email(" alice@example.com ")
    assert not ids.is_email("deploy-session")
    assert not ids.is_email("alice@localhost")


def test_the_package_re_exports_every_platform_helper_and_each_module_states_its_rules() -> None:
    """`from graph import ids; ids.x(...)` reaches every helper of every platform module, and each
    platform module carries the correlation rules of its ids (or says how its ids meet)."""
    import importlib
    import pkgutil

    import graph.ids

    found = {info.name for info in pkgutil.iter_modules(graph.ids.__path__) if not info.name.startswith("_")}
    assert found == set(ids.PLATFORM_MODULES)
    exported: set[str] = set()
    for name in ids.PLATFORM_MODULES:
        module = importlib.import_module(f"graph.ids.{name}")
        assert (module.__doc__ and "orrelation rule" in module.__doc__) or name == "activity", name
        for helper in module.__all__:
            assert getattr(ids, helper) is getattr(module, helper), helper
        exported |= set(module.__all__)
    assert exported | {"PLATFORM_MODULES", "is_email"} == set(ids.__all__)
