"""Hostile variants of real input files, deterministic by seed: the generator behind bench/fuzz.py
and tests/loaders/test_fuzz.py (issue 18).

Each case is one seed file (a real third-party sample from ../shared/corpus or a test fixture)
with one or two mutations applied, chosen among those that fit the file's format: truncation,
byte flips, deleted and duplicated lines, a JSON value swapped for null, a number, a list, an
object or a huge string, 100k-deep nesting, invalid UTF-8, re-encoding as UTF-16 with a BOM, CSV
column damage, a YAML alias bomb or deep YAML nesting, and for gzip files the mutation applied
inside the compression, a cut compressed stream or a gzip bomb. The same (seed, index) always
gives the same bytes, so a failing case can be rebuilt from its name alone.
"""

from __future__ import annotations

import csv
import functools
import gzip
import io
import random
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson
import yaml

__all__ = ["LINE_LOCAL", "Case", "make_case", "mutations_for"]

HUGE_STRING = 300_000
"""Characters of a swapped-in huge string: far past any field's sense, small enough that a few
hundred cases stay quick."""
DEEP = 100_000
"""Nesting levels of the deep-nesting mutations (the issue's 100k)."""
BOMB_INFLATED = 96 << 20
"""Bytes a gzip-bomb case inflates to (the harness sets KEYTRAIL_LOAD_MAX_FILE_BYTES below it)."""

LINE_LOCAL = frozenset({"flip1", "delete_line", "duplicate_line", "json_line_value"})
"""Mutations that damage at most one line: on a JSON-lines file the other records must load."""


@dataclass(frozen=True, slots=True)
class Case:
    name: str
    """`<seed file>#<index>:<mutations>`, enough to rebuild the case."""
    data: bytes
    mutations: tuple[str, ...]


Mutation = Callable[[bytes, random.Random], bytes]


def _truncate(data: bytes, rng: random.Random) -> bytes:
    return data[: rng.randrange(len(data))] if data else data


def _flip(count: int) -> Mutation:
    def flip(data: bytes, rng: random.Random) -> bytes:
        out = bytearray(data)
        for _ in range(count if out else 0):
            out[rng.randrange(len(out))] ^= rng.randrange(1, 256)
        return bytes(out)

    return flip


def _lines(data: bytes) -> list[bytes]:
    return data.split(b"\n")


def _delete_line(data: bytes, rng: random.Random) -> bytes:
    lines = _lines(data)
    del lines[rng.randrange(len(lines))]
    return b"\n".join(lines)


def _duplicate_line(data: bytes, rng: random.Random) -> bytes:
    lines = _lines(data)
    at = rng.randrange(len(lines))
    lines.insert(at, lines[at])
    return b"\n".join(lines)


def _invalid_utf8(data: bytes, rng: random.Random) -> bytes:
    at = rng.randrange(len(data) + 1)
    return data[:at] + rng.choice((b"\xff", b"\xc3\x28", b"\xed\xa0\x80", b"\xf8\x88\x80\x80\x80", b"\x00")) + data[at:]


def _utf16(data: bytes, _rng: random.Random) -> bytes:
    return data.decode("utf-8", errors="replace").encode("utf-16")  # Python writes the BOM first


def _replacement(rng: random.Random) -> Any:
    kind = rng.randrange(9)
    if kind == 0:
        return None
    if kind == 1:
        return rng.choice((0, -1, 111122223333, 1.5, 1e300, 2**63 - 1))
    if kind == 2:
        return [rng.choice(("x", 1, None)), {"a": []}]
    if kind == 3:
        return {"unexpected": {"nested": [1, 2]}}
    if kind == 4:
        return "A" * HUGE_STRING
    if kind == 5:
        return rng.choice((True, False))
    if kind == 6:
        return ""
    if kind == 7:
        return "é\u202e\U0001f600\ufffd"
    return rng.choice(("2025-13-45T99:99:99Z", "not-an-arn", "arn:aws:iam::x:user/", "AKIA"))


PATHS_MAX = 10_000


def _paths(value: Any) -> list[tuple[Any, ...]]:
    """Paths into a parsed document, at most PATHS_MAX, each container entered once: a YAML seed
    with aliases parses into shared objects, and walking those as a tree is exponential (an alias
    bomb among the fixtures made this walk, not keytrail, exhaust the machine's memory)."""
    found: list[tuple[Any, ...]] = []
    entered: set[int] = set()
    pending: list[tuple[Any, tuple[Any, ...]]] = [(value, ())]
    while pending and len(found) < PATHS_MAX:
        node, path = pending.pop()
        found.append(path)
        if not isinstance(node, dict | list) or id(node) in entered:
            continue
        entered.add(id(node))
        children = list(node.items() if isinstance(node, dict) else enumerate(node))
        pending.extend((child, (*path, key)) for key, child in reversed(children))  # pre-order, as before
    return found


@functools.lru_cache(maxsize=64)
def _json_paths(data: bytes) -> list[tuple[Any, ...]]:
    """`_paths` of a JSON file's document, once per file content: each case re-parses the seed
    (orjson, fast) but walking up to PATHS_MAX paths of a large CloudTrail file took ~40 ms."""
    return _paths(orjson.loads(data))


@functools.lru_cache(maxsize=64)
def _yaml_paths(data: bytes, at: int) -> list[tuple[Any, ...]]:
    return _paths(list(yaml.load_all(data, Loader=_YAML_LOADER))[at])


def _swap(document: Any, rng: random.Random, new: Any, paths: list[tuple[Any, ...]] | None = None) -> Any:
    paths = _paths(document) if paths is None else paths
    path = rng.choice(paths[1:] or paths)
    if not path:
        return new
    parent = document
    for step in path[:-1]:
        parent = parent[step]
    parent[path[-1]] = new
    return document


def _json_value(data: bytes, rng: random.Random) -> bytes:
    try:
        document = orjson.loads(data)
    except orjson.JSONDecodeError:
        return _json_line_value(data, rng)
    swapped = _swap(document, rng, _replacement(rng), _json_paths(data))
    return orjson.dumps(swapped, option=orjson.OPT_INDENT_2)


def _json_line_value(data: bytes, rng: random.Random) -> bytes:
    lines = _lines(data)
    candidates = [i for i, line in enumerate(lines) if line.strip().startswith(b"{")]
    if not candidates:
        return _flip(1)(data, rng)
    at = rng.choice(candidates)
    try:
        lines[at] = orjson.dumps(_swap(orjson.loads(lines[at]), rng, _replacement(rng)))
    except orjson.JSONDecodeError:
        return _flip(1)(data, rng)
    return b"\n".join(lines)


def _json_deep(data: bytes, rng: random.Random) -> bytes:
    deep = b"[" * DEEP + b"]" * DEEP
    lines = _lines(data)
    at = rng.randrange(len(lines))
    # Swap a value inside one line for the deep array (or make the line that array).
    line = lines[at]
    colon = line.find(b": ")
    lines[at] = line[: colon + 2] + deep + b"}" if colon >= 0 and line.strip().startswith(b"{") else deep
    return b"\n".join(lines)


_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_YAML_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
"""libyaml where PyYAML has it: the pure-Python emitter took ~0.5 s to write a document holding a
300k-character string, most of a case's cost (the generator is not what is being fuzzed)."""


def _yaml_value(data: bytes, rng: random.Random) -> bytes:
    try:
        documents = list(yaml.load_all(data, Loader=_YAML_LOADER))
    except yaml.YAMLError:
        return _flip(1)(data, rng)
    if not documents:
        return data
    at = rng.randrange(len(documents))
    new = _replacement(rng)
    if isinstance(documents[at], dict | list):
        documents[at] = _swap(documents[at], rng, new, _yaml_paths(data, at))
    else:
        documents[at] = new
    return yaml.dump_all(documents, Dumper=_YAML_DUMPER, sort_keys=False).encode()


def _yaml_bomb(data: bytes, rng: random.Random) -> bytes:
    bomb = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
    bomb += "".join(f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 10)}]\n" for n in range(1, 10))
    bomb += "bomb: *a9\n"
    return bomb.encode() + data if rng.random() < 0.5 else data + b"\n" + bomb.encode()


def _yaml_deep(data: bytes, rng: random.Random) -> bytes:
    deep = "[" * DEEP + "]" * DEEP if rng.random() < 0.5 else "".join(f"{' ' * n}k:\n" for n in range(3000))
    return data + b"\ndeep: " + deep.encode() + b"\n"


def _csv_damage(data: bytes, rng: random.Random) -> bytes:
    # newline="" as the csv module wants: a seed damaged by an earlier mutation may hold a bare \r
    # inside a field, which the csv reader refuses from a newline-translating stream.
    rows = list(csv.reader(io.StringIO(data.decode("utf-8", errors="replace"), newline="")))
    if not rows:
        return data
    at = rng.randrange(len(rows))
    row = rows[at]
    damage = rng.randrange(5)
    if damage == 0 and row:
        del row[rng.randrange(len(row))]
    elif damage == 1:
        row.extend(["extra", "columns"])
    elif damage == 2 and row:
        row[rng.randrange(len(row))] = "X" * HUGE_STRING
    elif damage == 3:
        rows[at] = []
    else:
        out = io.StringIO()
        csv.writer(out).writerows(rows)
        text = out.getvalue()
        cut = rng.randrange(len(text) + 1)
        return (text[:cut] + '"' + text[cut:]).encode()  # an unbalanced quote
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode()


COMMON: dict[str, Mutation] = {
    "truncate": _truncate,
    "flip1": _flip(1),
    "flip8": _flip(8),
    "delete_line": _delete_line,
    "duplicate_line": _duplicate_line,
    "invalid_utf8": _invalid_utf8,
    "utf16": _utf16,
}
JSON: dict[str, Mutation] = {"json_value": _json_value, "json_line_value": _json_line_value, "json_deep": _json_deep}
YAML: dict[str, Mutation] = {"yaml_value": _yaml_value, "yaml_bomb": _yaml_bomb, "yaml_deep": _yaml_deep}
CSV: dict[str, Mutation] = {"csv_damage": _csv_damage}


def mutations_for(name: str) -> dict[str, Mutation]:
    """The mutations that fit a file, by its name (the seed's format is known: it is real)."""
    stem = name.lower().removesuffix(".gz")
    chosen = dict(COMMON)
    if stem.endswith((".json", ".jsonl")):
        chosen |= JSON
    elif stem.endswith((".yml", ".yaml")):
        chosen |= YAML
    elif stem.endswith(".csv"):
        chosen |= CSV
    else:  # CODEOWNERS and other text: the common ones, and every kind of value damage
        chosen |= {"json_deep": _json_deep}
    return chosen


def make_case(seed_name: str, data: bytes, seed: int, index: int) -> Case:
    """Case `index` of seed file `seed_name` (bytes `data`) under random seed `seed`."""
    rng = random.Random(f"{seed}:{seed_name}:{index}")
    compressed = seed_name.endswith(".gz")
    if compressed and rng.random() < 0.25:
        return _gzip_case(seed_name, data, rng, index)
    plain = gzip.decompress(data) if compressed else data
    table = mutations_for(seed_name)
    names = sorted(table)
    chosen = tuple(rng.sample(names, 2 if rng.random() < 0.2 else 1))
    for name in chosen:
        plain = table[name](plain, rng)
    out = gzip.compress(plain, compresslevel=1, mtime=0) if compressed else plain
    return Case(f"{seed_name}#{index}:{'+'.join(chosen)}", out, chosen)


def _gzip_case(seed_name: str, data: bytes, rng: random.Random, index: int) -> Case:
    if rng.random() < 0.5:
        return Case(f"{seed_name}#{index}:gzip_cut", data[: rng.randrange(len(data))], ("gzip_cut",))
    padding = b" " if rng.random() < 0.5 else b"\n"
    return Case(f"{seed_name}#{index}:gzip_bomb", _bomb(data, padding), ("gzip_bomb",))


@functools.cache
def _bomb(data: bytes, padding: bytes) -> bytes:
    """The seed's content followed by BOMB_INFLATED bytes of `padding`, gzipped. One MiB of padding
    is deflated once, ending in a full flush (so it refers to nothing before it), and its bytes
    repeated: a valid gzip stream of the same size as deflating the whole, in milliseconds instead
    of the ~3 s that deflating 96 MB at level 9 took per seed."""
    plain = gzip.decompress(data)
    block = padding * (1 << 20)
    repeats = BOMB_INFLATED >> 20
    crc = zlib.crc32(plain)
    for _ in range(repeats):
        crc = zlib.crc32(block, crc)
    body = _deflated(plain) + _deflated(block) * repeats + zlib.compressobj(9, zlib.DEFLATED, -15).flush()
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"  # deflate, no name, mtime 0, best compression
    return header + body + struct.pack("<II", crc, (len(plain) + BOMB_INFLATED) & 0xFFFFFFFF)


def _deflated(chunk: bytes) -> bytes:
    """`chunk` as raw deflate blocks, none final, self-contained (a full flush ends them)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    return compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
