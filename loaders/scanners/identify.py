"""What in a scanner finding identifies one secret — and what only looks like it does.

Two findings may become one Credential only when they share material that names one secret.
Scanners often record less than that: gitleaks and trufflehog v2 match a private key by its
`-----BEGIN … PRIVATE KEY-----` header alone, `--redact` prints `REDACTED` / `****`, and
fixture-like values (`secretAWSsecret`, `changeme`) are the same in unrelated repositories.
Keying those would make every RSA key one Credential exposed everywhere. So each finding gets a
`Basis`, strongest first:

1. `public_key`: an OpenSSH private key (`openssh-key-v1`) carries its public key unencrypted,
   even when the private half is encrypted; its SHA256 fingerprint is the key's public id
   (`ssh:SHA256:…`, the id sshd's `Accepted publickey` lines give it).
2. `whole_key`: any other complete PEM block (BEGIN, body, END): the body, whitespace removed,
   is keyed into an HMAC.
3. `value`: a matched value that is neither a header, a redaction placeholder nor of low
   entropy (`is_identifying`), keyed into an HMAC.
4. `scanner_fingerprint`: the scanner's own per-finding fingerprint (gitleaks `Fingerprint`).
5. `location`: repository + commit + file + line (or index) + rule.

Bases 4 and 5 name the finding, not the secret: they never join two findings of different
places. (AWS access-key ids are public and are handled before any of this.) The material of
bases 2 and 3 is secret: it only ever leaves this module inside an HMAC.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import math
import re
import struct
from collections import Counter
from dataclasses import dataclass, field
from typing import Literal

__all__ = ["Basis", "BasisKind", "identify", "is_identifying", "is_pem_header", "is_redacted", "openssh_fingerprint"]

BasisKind = Literal["public_key", "whole_key", "value", "scanner_fingerprint", "location"]

MIN_BITS_PER_CHAR = 3.0
MIN_TOTAL_BITS = 48.0
"""Shannon entropy a value needs to identify a secret: random tokens, keys and real passwords of
useful length pass (a 16-character hex string has 64 bits); words, `admin:admin` and fixture
placeholders such as `secretAWSsecret` (43 bits) do not."""

_PEM = re.compile(
    r"-----BEGIN ([A-Z0-9 ]+)-----(?P<body>.*?)-----END \1-----",
    re.S,
)
_HEADER = re.compile(r"^['\"]?-----BEGIN [A-Z0-9 ]+-----['\"]?$")
_PLACEHOLDER = re.compile(r"^[\[<(]?(redacted|hidden|masked|secret|removed)[\])>]?$", re.I)
_MASK_CHARS = frozenset("*xX•#.-_ ")
_OPENSSH_MAGIC = b"openssh-key-v1\0"


@dataclass(frozen=True, slots=True)
class Basis:
    kind: BasisKind
    material: str = field(repr=False)
    """What the Credential id is built from: a public fingerprint for `public_key`, secret text
    to be HMAC-keyed for `whole_key` / `value`, a reference for the last two."""

    @property
    def public(self) -> bool:
        return self.kind == "public_key"


def is_redacted(value: str) -> bool:
    """A redaction placeholder (`REDACTED`, `****`, `[redacted]`, `xxxx`) or nothing at all."""
    text = value.strip().strip("'\"")
    return not text or bool(_PLACEHOLDER.match(text)) or set(text) <= _MASK_CHARS


def is_pem_header(value: str) -> bool:
    """Only a PEM armour line such as `-----BEGIN RSA PRIVATE KEY-----`: no key in it."""
    return bool(_HEADER.match(value.strip()))


def _entropy_bits(text: str) -> tuple[float, float]:
    counts = Counter(text)
    per_char = -sum(n / len(text) * math.log2(n / len(text)) for n in counts.values())
    return per_char, per_char * len(text)


def is_identifying(value: str) -> bool:
    """Whether a matched value can name one secret (see MIN_BITS_PER_CHAR)."""
    text = value.strip()
    if is_redacted(text) or is_pem_header(text) or ("-----BEGIN " in text and not _PEM.search(text)):
        return False
    per_char, total = _entropy_bits(text)
    return per_char >= MIN_BITS_PER_CHAR and total >= MIN_TOTAL_BITS


def _read_string(blob: bytes, offset: int) -> tuple[bytes, int]:
    (length,) = struct.unpack_from(">I", blob, offset)
    start = offset + 4
    if start + length > len(blob):
        raise ValueError("truncated openssh key")
    return blob[start : start + length], start + length


def openssh_fingerprint(body: str) -> str:
    """`SHA256:<base64>` of the public key inside an `openssh-key-v1` body, or "".

    The format (PROTOCOL.key in OpenSSH) is: magic, cipher name, kdf name, kdf options, key
    count, then the public keys in the clear, then the (possibly encrypted) private part.
    """
    try:
        blob = base64.b64decode("".join(body.split()), validate=True)
    except (binascii.Error, ValueError):
        return ""
    if not blob.startswith(_OPENSSH_MAGIC):
        return ""
    try:
        offset = len(_OPENSSH_MAGIC)
        for _ in range(3):  # cipher name, kdf name, kdf options
            _, offset = _read_string(blob, offset)
        (count,) = struct.unpack_from(">I", blob, offset)
        if count < 1:
            return ""
        public, _ = _read_string(blob, offset + 4)
    except (struct.error, ValueError):
        return ""
    digest = base64.b64encode(hashlib.sha256(public).digest()).decode("ascii").rstrip("=")
    return f"SHA256:{digest}"


def identify(secret: str, context: tuple[str, ...], scanner_fingerprint: str, location: str) -> Basis:
    """The strongest basis a finding gives (module rules), else the finding's own reference.

    `secret` is what the scanner calls the secret; `context` what else it matched (gitleaks
    `Match`, trufflehog `RawV2`): a key block may sit in either, but only `secret` is keyed as a
    value, since the context around a weak value (`apikey = "..."`) would make it look strong.
    """
    for text in (secret, *context):
        pem = _PEM.search(text or "")
        if pem is None:
            continue
        body = pem.group("body")
        fingerprint = openssh_fingerprint(body) if "OPENSSH" in pem.group(1) else ""
        if fingerprint:
            return Basis("public_key", fingerprint)
        compact = "".join(body.split())
        if compact and is_identifying(compact):
            return Basis("whole_key", f"{pem.group(1)}:{compact}")
    if secret and is_identifying(secret):
        return Basis("value", secret.strip())
    if scanner_fingerprint:
        return Basis("scanner_fingerprint", scanner_fingerprint)
    return Basis("location", location)
