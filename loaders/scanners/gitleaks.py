"""gitleaks JSON reports (v8 and v7 schemas) → exposed Credentials and EXPOSED_IN edges.

A report is a JSON array of findings, one record each (located by its index). v8 findings
carry `RuleID`, `Secret`, `Match`, `File`, `StartLine`, `Commit`, `Author`, `Email`, `Date`,
`Fingerprint`; v7 findings `rule`, `offender`, `line` (the whole source line), `lineNumber`,
`file`, `commit`, `repo`, `repoURL`, `leakURL`, `author`, `email`, `date`. The matched text
(`Secret`, `Match`, `offender`, `line`) is read once to find an AWS key id or to be keyed into
an HMAC (loaders/scanners/findings.py) and never leaves this module otherwise. v8 reports name no
repository: the report is taken to lie in the checkout it scanned (as CI writes it with
`--report-path`), else `--repository`, else `local/<report folder>`.
"""

from __future__ import annotations

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
from loaders.scanners.identify import is_redacted

__all__ = ["GitleaksLoader"]

NAME = "gitleaks"


def _text(data: Mapping[str, Any], *keys: str) -> str:
    for key in keys:
        value = data.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return ""


def _line(data: Mapping[str, Any], key: str) -> int | None:
    value = data.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def _author(data: Mapping[str, Any], email_key: str, name_key: str) -> str:
    for value in (_text(data, email_key), _text(data, name_key)):
        if value and not is_redacted(value):
            return value
    return ""


_V8_TEXT = ("RuleID", "Description", "Match", "File", "Commit", "Email", "Author", "Date", "Fingerprint", "Message")
_V8_LINES = ("StartLine", "EndLine", "StartColumn", "EndColumn")
_V7_TEXT = ("rule", "line", "file", "commit", "email", "author", "date", "repo", "repoURL", "leakURL")


def _check(data: Mapping[str, Any], where: Location, v8: bool) -> None:
    """The boundary: each field this loader reads has its type, or the finding is rejected naming
    the field. The secret itself is only type-checked: no message ever quotes it."""
    fields = Fields(data, where)
    for key in _V8_TEXT if v8 else _V7_TEXT:
        fields.text(key)
    for key in _V8_LINES if v8 else ("lineNumber",):
        fields.integer(key)
    if v8:
        fields.texts("Tags")
    secret_key = "Secret" if v8 else "offender"
    secret = data.get(secret_key)
    if not isinstance(secret, str):
        raise where.error(f"field '{secret_key}': expected the matched secret as a string, got {json_type(secret)}")


def _finding(data: Mapping[str, Any], where: Location, folder: str, checkout: Repository | None) -> Finding:
    v8 = "RuleID" in data or "Secret" in data
    _check(data, where, v8)
    rule = _text(data, "RuleID", "Description") if v8 else _text(data, "rule")
    secret = data.get("Secret") if v8 else data.get("offender")
    if not rule or not isinstance(secret, str):
        raise where.error("not a gitleaks finding: needs RuleID and Secret (v8) or rule and offender (v7)")
    matched = data.get("Match") if v8 else data.get("line")
    date = _text(data, "Date", "date")
    try:
        at = canonical_timestamp(date) if date else None
    except ModelError:
        raise where.error("finding Date is not a timestamp") from None
    named = (
        None
        if v8
        else (repository_from_url(_text(data, "repoURL", "leakURL")) or repository_from_url(_text(data, "repo")))
    )
    repository = Repository(*named) if named else None
    line = _line(data, "StartLine") if v8 else _line(data, "lineNumber")
    return Finding(
        scanner=NAME,
        detector=rule,
        file=_text(data, "File", "file"),
        line=line,
        commit=_text(data, "Commit", "commit"),
        author=_author(data, "Email", "Author") if v8 else _author(data, "email", "author"),
        at=at,
        verified=False,
        repository=repository or checkout,
        report_folder=folder,
        reference=":".join(
            str(p)
            for p in (_text(data, "Commit", "commit"), _text(data, "File", "file"), rule, line or f"#{where.record}")
        ),
        key_id=find_key_id(secret, matched if isinstance(matched, str) else ""),
        secret=secret,
        context=(matched,) if isinstance(matched, str) else (),
        scanner_fingerprint=_text(data, "Fingerprint"),
    )


class GitleaksLoader(Loader[Finding]):
    name = NAME
    description = "gitleaks JSON report (v8 or v7)"

    def sniff(self, sample: Sample) -> bool:
        text = sample.text.lstrip()
        if not text.startswith("["):
            return False
        return ('"RuleID"' in text and '"StartLine"' in text) or ('"offender"' in text and '"rule"' in text)

    def parse(self, source: SourceFile) -> Iterator[Record[Finding] | LoadError]:
        folder = source.path.resolve().parent.name
        checkout = checkout_repository(source.path)
        for parsed in iter_json_documents(source):
            if isinstance(parsed, LoadError):
                yield parsed
                continue
            if not isinstance(parsed.value, list):
                yield parsed.location.error("a gitleaks report is a JSON array of findings")
                continue
            for index, data in enumerate(parsed.value):
                where = Location(source.display, record=index + 1)
                if not isinstance(data, Mapping):
                    yield where.error("finding is not a JSON object")
                    continue
                try:
                    yield Record(where, _finding(data, where, folder, checkout))
                except LoadError as exc:
                    yield exc

    def transform(self, record: Record[Finding], ctx: LoadContext) -> Iterable[Item]:
        return record_finding(record.value, record.location, ctx, NAME)

    def finish(self, ctx: LoadContext) -> Iterable[Item]:
        return list(exposure_items(ctx, NAME))
