"""Vault ACL policy documents → their path rules: `(pattern, capabilities, line)`.

A policy is HCL or JSON (Vault accepts both, the JSON form being HCL's JSON syntax):

    path "secret/data/payments/*" {
      capabilities = ["read", "list"]
      allowed_parameters = { "ttl" = [] }
    }
    {"path": {"secret/data/payments/*": {"capabilities": ["read", "list"]}}}

Only what a grant needs is kept: each `path` block's pattern and capabilities. The deprecated
`policy = "read" | "write" | "sudo" | "deny"` form is read as the capabilities Vault's own
docs gave it. Parameter constraints (`allowed_parameters`, `denied_parameters`,
`required_parameters`) and wrapping TTLs narrow a grant further; they are parsed (so a
malformed one is an error) but not modelled, which can overstate a grant, never understate it.

The HCL reader is a small tokenizer and recursive-descent parser for the subset policies use
(blocks, `key = value`, strings with escapes, numbers, booleans, lists, objects, `#`, `//` and
`/* */` comments), with its nesting bounded by the load limits' depth: HCL policies are
written by people, and a malformed one must be a located error naming its line, not a crash.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

__all__ = ["CAPABILITIES", "LEGACY", "PathRule", "PolicyError", "parse_hcl", "parse_json_policy", "rules_of"]

CAPABILITIES = frozenset(
    {"create", "read", "update", "patch", "delete", "list", "sudo", "deny", "subscribe", "recover"}
)
"""Every capability Vault documents (`subscribe` for event streams, `recover` for snapshot recovery)."""

LEGACY = {
    "deny": ("deny",),
    "read": ("read", "list"),
    "write": ("create", "read", "update", "delete", "list"),
    "sudo": ("create", "read", "update", "delete", "list", "sudo"),
}
"""The deprecated `policy = "..."` shorthand, as the capabilities it stood for."""


class PolicyError(ValueError):
    def __init__(self, reason: str, line: int | None = None) -> None:
        super().__init__(reason)
        self.line = line


@dataclass(frozen=True, slots=True)
class PathRule:
    pattern: str
    capabilities: tuple[str, ...]
    line: int | None = None  # where the path block starts (HCL), None in JSON


_TOKEN = re.compile(
    r"""
    (?P<space>[ \t\r\n]+)
  | (?P<comment>\#[^\n]*|//[^\n]*|/\*.*?\*/)
  | (?P<string>"(?:[^"\\\n]|\\.)*")
  | (?P<number>-?\d+(?:\.\d+)?)
  | (?P<name>[A-Za-z_][A-Za-z0-9_.\-]*)
  | (?P<punct>[{}\[\]=,:])
    """,
    re.VERBOSE | re.DOTALL,
)


@dataclass(frozen=True, slots=True)
class _Tok:
    kind: str
    text: str
    line: int


def _tokens(text: str) -> list[_Tok]:
    out: list[_Tok] = []
    at, line = 0, 1
    while at < len(text):
        match = _TOKEN.match(text, at)
        if match is None:
            raise PolicyError(f"unexpected character {text[at]!r}", line)
        kind = match.lastgroup or ""
        chunk = match.group()
        if kind not in ("space", "comment"):
            out.append(_Tok(kind, chunk, line))
        line += chunk.count("\n")
        at = match.end()
    return out


class _Parser:
    def __init__(self, tokens: list[_Tok], depth: int) -> None:
        self.tokens, self.at, self.depth = tokens, 0, depth

    def peek(self) -> _Tok | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self, what: str = "", hint: str = "") -> _Tok:
        """The next token; with `what`, it must be that text. `hint` names what an end would miss."""
        token = self.peek()
        if token is None:
            last = self.tokens[-1].line if self.tokens else None
            expected = what or hint
            raise PolicyError(f"unexpected end of policy{f', expected {expected}' if expected else ''}", last)
        if what and token.text != what:
            raise PolicyError(f"expected {what!r}, found {token.text[:40]!r}", token.line)
        self.at += 1
        return token

    def body(self, level: int, closing: str | None) -> list[tuple[str, list[str], Any, int]]:
        """Entries `(key, labels, value, line)` up to `closing` (None: the end of the text)."""
        if level > self.depth:
            token = self.peek()
            raise PolicyError(f"nesting deeper than {self.depth} levels", token.line if token else None)
        entries: list[tuple[str, list[str], Any, int]] = []
        while (token := self.peek()) is not None and token.text != closing:
            if token.text == ",":
                self.take()
                continue
            if token.kind not in ("name", "string"):
                raise PolicyError(f"expected a key, found {token.text[:40]!r}", token.line)
            self.take()
            key = _unquote(token) if token.kind == "string" else token.text
            labels: list[str] = []
            while (label := self.peek()) is not None and label.kind == "string":
                labels.append(_unquote(self.take()))
            nxt = self.take(hint="'=' or '{'")
            if nxt.text in ("=", ":"):
                value = self.value(level + 1)
            elif nxt.text == "{":
                value = self.body(level + 1, "}")
                self.take("}")
            else:
                raise PolicyError(f"expected '=' or '{{' after {key!r}, found {nxt.text[:40]!r}", nxt.line)
            entries.append((key, labels, value, token.line))
        return entries

    def value(self, level: int) -> Any:
        if level > self.depth:
            token = self.peek()
            raise PolicyError(f"nesting deeper than {self.depth} levels", token.line if token else None)
        token = self.take(hint="a value")
        if token.kind == "string":
            return _unquote(token)
        if token.kind == "number":
            return float(token.text) if "." in token.text else int(token.text)
        if token.kind == "name" and token.text in ("true", "false"):
            return token.text == "true"
        if token.text == "[":
            items: list[Any] = []
            while (nxt := self.peek()) is not None and nxt.text != "]":
                if nxt.text == ",":
                    self.take()
                    continue
                items.append(self.value(level + 1))
            self.take("]")
            return items
        if token.text == "{":
            entries = self.body(level + 1, "}")
            self.take("}")
            return entries
        raise PolicyError(f"expected a value, found {token.text[:40]!r}", token.line)


def _unquote(token: _Tok) -> str:
    try:
        value = json.loads(token.text)
    except ValueError:
        raise PolicyError(f"malformed string {token.text[:40]!r}", token.line) from None
    return str(value)


def parse_hcl(text: str, depth: int = 64) -> list[PathRule]:
    """The path rules of an HCL policy; PolicyError (with its line) when it is not one."""
    parser = _Parser(_tokens(text), depth)
    rules: list[PathRule] = []
    for key, labels, value, line in parser.body(0, None):
        if key == "name" and not labels:
            continue  # some exports repeat the policy's name at the top
        if key != "path" or len(labels) != 1 or not isinstance(value, list):
            raise PolicyError(f'a policy holds only `path "<pattern>" {{ … }}` blocks, not {key!r}', line)
        rules.append(_rule(labels[0], {k: v for k, _labels, v, _line in value}, line))
    return rules


def parse_json_policy(document: Any) -> list[PathRule]:
    """The path rules of a policy in JSON syntax (`{"path": {pattern: {...}}}`)."""
    if not isinstance(document, dict) or not isinstance(document.get("path"), dict | list):
        raise PolicyError("a JSON policy is an object whose `path` maps patterns to their rules")
    blocks = document["path"]
    pairs = blocks.items() if isinstance(blocks, dict) else ((k, v) for block in blocks for k, v in _items(block))
    return [_rule(pattern, body if isinstance(body, dict) else None, None) for pattern, body in pairs]


def _items(block: Any) -> list[tuple[str, Any]]:
    if not isinstance(block, dict):
        raise PolicyError("each entry of a JSON policy's `path` list is an object of patterns")
    return list(block.items())


def _rule(pattern: Any, body: dict[str, Any] | None, line: int | None) -> PathRule:
    if not isinstance(pattern, str) or not pattern.strip() or len(pattern) > 1024:
        raise PolicyError("a path pattern must be non-empty text of at most 1,024 characters", line)
    if body is None:
        raise PolicyError(f"path {pattern[:80]!r}: its rules must be an object", line)
    capabilities = body.get("capabilities")
    legacy = body.get("policy")
    if capabilities is None and legacy is None:
        raise PolicyError(f"path {pattern[:80]!r} names no capabilities", line)
    found: list[str] = []
    if capabilities is not None:
        if not isinstance(capabilities, list) or not all(isinstance(c, str) for c in capabilities):
            raise PolicyError(f"path {pattern[:80]!r}: capabilities must be a list of text", line)
        found.extend(c.strip().lower() for c in capabilities)
    if legacy is not None:
        if not isinstance(legacy, str) or legacy.strip().lower() not in LEGACY:
            raise PolicyError(f"path {pattern[:80]!r}: policy must be one of {', '.join(LEGACY)}", line)
        found.extend(LEGACY[legacy.strip().lower()])
    unknown = sorted(set(found) - CAPABILITIES)
    if unknown:
        raise PolicyError(f"path {pattern[:80]!r}: unknown capabilities {', '.join(u[:40] for u in unknown[:5])}", line)
    return PathRule(pattern.strip().lstrip("/"), tuple(sorted(set(found))), line)


def rules_of(text: str, depth: int = 64) -> list[PathRule]:
    """A policy's text in either syntax: JSON when it is a JSON object, else HCL."""
    stripped = text.lstrip()
    if stripped.startswith("{"):
        try:
            document = json.loads(stripped)
        except ValueError:
            pass  # HCL that opens with a brace is not a policy either: parse_hcl says where
        else:
            return parse_json_policy(document)
    return parse_hcl(text, depth)
