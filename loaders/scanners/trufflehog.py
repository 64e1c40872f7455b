"""trufflehog JSON lines (v2 and v3) → exposed Credentials and EXPOSED_IN edges.

v3 (one result per line): `SourceMetadata.Data.<Git|Github|Gitlab|Filesystem|...>` says where
(commit, file, line, email, repository URL, timestamp), `DetectorName`, `Verified`, `Raw` /
`RawV2` (bytes, so base64 in JSON), `Redacted`, `ExtraData` (a verified AWS key's `arn` and
`account`). v2 (one result per line): `reason`, `path`, `commitHash`, `date`, `branch`,
`stringsFound` (each a matched secret: one finding each), `diff`/`printDiff` (never read).
`Raw`, `RawV2`, `Redacted` and `stringsFound` are read only to find an AWS key id or to be keyed
into an HMAC (loaders/scanners/findings.py). Reports without a repository URL (v2, filesystem scans) take
it from the checkout they lie in, else `--repository`, else `local/<report folder>`.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from graph.errors import LoadError, ModelError
from graph.model import canonical_timestamp
from loaders.base import Item, LoadContext, Loader, Location, Record, Sample, SourceFile
from loaders.formats.fields import Fields, json_type
from loaders.formats.json import iter_json_documents
from loaders.repositories import Repository, checkout_repository, repository_from_url
from loaders.scanners.findings import (
    Finding,
    exposure_items,
    find_key_id,
    record_finding,
)

__all__ = ["TrufflehogLoader"]

NAME = "trufflehog"
Findings = tuple[Finding, ...]


def _bytes_text(value: object) -> str:
    """A Go []byte field as JSON prints it (base64); plain text when it is not base64."""
    if not isinstance(value, str) or not value:
        return ""
    try:
        return base64.b64decode(value, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return value


def _timestamp(text: str, where: Location) -> str | None:
    if not text.strip():
        return None
    # trufflehog prints Go's time.String(): "2022-06-16 10:17:40 -0700 -0700" (offset, zone).
    parts = text.split()
    candidate = " ".join(parts[:3]) if len(parts) >= 3 and parts[2][:1] in "+-" else text
    try:
        return canonical_timestamp(candidate)
    except ModelError:
        raise where.error("finding timestamp is not a timestamp") from None


def _str(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    return value.strip() if isinstance(value, str) else ""


def _email(text: str) -> str:
    """`Name <email>` as git prints an author: the email, else the text."""
    if "<" in text and text.endswith(">"):
        return text[text.rindex("<") + 1 : -1].strip() or text
    return text


_ORIGIN_TEXT = ("repository", "link", "file", "path", "commit", "email", "timestamp")


def _check_v3(data: Mapping[str, Any], where: Location) -> None:
    """The boundary of a v3 result: each field this loader reads has its type, or the result is
    rejected naming the field (`SourceMetadata.Data.Git.line`). Raw values are only type-checked:
    no message ever quotes a secret."""
    fields = Fields(data, where)
    fields.text("DetectorName", required=True)
    for key in ("Raw", "RawV2", "Redacted"):
        value = data.get(key)
        if value is not None and not isinstance(value, str):
            raise where.error(f"field '{key}': expected a string, got {json_type(value)}")
    fields.flag("Verified")
    extra = fields.mapping("ExtraData")
    extra.text("arn")
    extra.text("account")
    sources = fields.mapping("SourceMetadata", required=True).mapping("Data", required=True)
    for kind in sources.value:
        origin = sources.mapping(kind)
        for key in _ORIGIN_TEXT:
            origin.text(key)
        origin.integer("line")
    for registered in fields.mapping("StructuredData").objects("github_ssh_key"):
        registered.text("user")


def _v3(data: Mapping[str, Any], where: Location, folder: str, checkout: Repository | None) -> Findings:
    _check_v3(data, where)
    metadata = data.get("SourceMetadata")
    sources = metadata.get("Data") if isinstance(metadata, Mapping) else None
    origin = (
        next((v for v in sources.values() if isinstance(v, Mapping)), None) if isinstance(sources, Mapping) else None
    )
    detector = _str(data, "DetectorName")
    if origin is None or not detector:
        raise where.error("not a trufflehog v3 result: needs SourceMetadata.Data and DetectorName")
    raw, raw_v2 = _bytes_text(data.get("Raw")), _bytes_text(data.get("RawV2"))
    extra: Mapping[str, Any] = data["ExtraData"] if isinstance(data.get("ExtraData"), Mapping) else {}
    line = origin.get("line")
    named = repository_from_url(_str(origin, "repository")) or repository_from_url(_str(origin, "link"))
    repository = Repository(*named) if named else None
    file = _str(origin, "file") or _str(origin, "path")
    return (
        Finding(
            scanner=NAME,
            detector=detector,
            file=file,
            line=line if isinstance(line, int) and not isinstance(line, bool) else None,
            commit=_str(origin, "commit"),
            author=_email(_str(origin, "email")),
            at=_timestamp(_str(origin, "timestamp"), where),
            verified=data.get("Verified") is True,
            repository=repository or checkout,
            report_folder=folder,
            reference=f"{_str(origin, 'commit')}:{file}:{detector}:{line}",
            key_id=find_key_id(raw, raw_v2, _str(data, "Redacted")),
            arn=_str(extra, "arn"),
            secret=raw or raw_v2,
            context=(raw_v2,) if raw and raw_v2 else (),
            account=_str(extra, "account"),
            github_users=_github_users(data.get("StructuredData")),
        ),
    )


def _github_users(structured: object) -> tuple[str, ...]:
    """Logins of `StructuredData.github_ssh_key[].user`: the GitHub accounts the verifier found the
    private key registered to (trufflehog v3's PrivateKey detector)."""
    keys = structured.get("github_ssh_key") if isinstance(structured, Mapping) else None
    users = (
        {k["user"].strip() for k in keys if isinstance(k, Mapping) and isinstance(k.get("user"), str)}
        if (isinstance(keys, list))
        else set()
    )
    return tuple(sorted(u for u in users if u))


def _v2(data: Mapping[str, Any], where: Location, folder: str, checkout: Repository | None) -> Findings:
    found = data.get("stringsFound")
    reason = _str(data, "reason")
    if not isinstance(found, list) or not reason or not all(isinstance(s, str) for s in found):
        raise where.error("not a trufflehog v2 result: needs reason and stringsFound (a list of strings)")
    commit, path = _str(data, "commitHash"), _str(data, "path")
    at = _timestamp(_str(data, "date"), where)
    return tuple(
        Finding(
            scanner=NAME,
            detector=reason,
            file=path,
            line=None,
            commit=commit,
            author="",
            at=at,
            verified=False,
            repository=checkout,
            report_folder=folder,
            reference=f"{commit}:{path}:{reason}:{index}",
            key_id=find_key_id(text),
            secret=text,
        )
        for index, text in enumerate(found)
    )


class TrufflehogLoader(Loader[Findings]):
    name = NAME
    description = "trufflehog JSON lines (v2 or v3)"

    def sniff(self, sample: Sample) -> bool:
        head = sample.text.lstrip()[:4096]
        if not head.startswith("{"):
            return False
        return ('"SourceMetadata"' in head and '"DetectorName"' in head) or (
            '"stringsFound"' in sample.text and '"reason"' in sample.text and '"commitHash"' in sample.text
        )

    def parse(self, source: SourceFile) -> Iterator[Record[Findings] | LoadError]:
        folder = source.path.resolve().parent.name
        checkout = checkout_repository(source.path)
        for parsed in iter_json_documents(source):
            if isinstance(parsed, LoadError):
                yield parsed
                continue
            data, where = parsed.value, parsed.location
            if not isinstance(data, Mapping):
                yield where.error("result is not a JSON object")
                continue
            try:
                read = _v3 if "SourceMetadata" in data or "DetectorName" in data else _v2
                yield Record(where, read(data, where, folder, checkout))
            except LoadError as exc:
                yield exc

    def transform(self, record: Record[Findings], ctx: LoadContext) -> Iterable[Item]:
        items: list[Item] = []
        for finding in record.value:
            items.extend(record_finding(finding, record.location, ctx, NAME))
        return items

    def finish(self, ctx: LoadContext) -> Iterable[Item]:
        return list(exposure_items(ctx, NAME))
