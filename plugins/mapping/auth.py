"""How a mapping source checks that a delivery comes from the platform: options ``auth`` and friends.

- ``auth=hmac`` (the default): the header (``header``, default ``X-Signature``) carries
  ``prefix`` + the HMAC of the raw body under the source's secret, with ``algorithm`` (sha1, sha256,
  sha384, sha512; default sha256) written in ``encoding`` (hex or base64; default hex). GitHub-style
  senders use ``prefix=sha256=``.
- ``auth=token``: the header (default ``X-Webhook-Token``) carries ``prefix`` + the secret itself
  (``header=Authorization prefix="Bearer "`` for a bearer token).

Both compare in constant time.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from lrs.plugin_host.base import PluginConfigError, VerificationError

AUTH_KEYS = ("auth", "header", "algorithm", "encoding", "prefix")
ALGORITHMS = ("sha1", "sha256", "sha384", "sha512")
ENCODINGS = ("hex", "base64")
DEFAULT_HEADER = {"hmac": "X-Signature", "token": "X-Webhook-Token"}
_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")


@dataclass(frozen=True)
class Auth:
    kind: str
    header: str
    algorithm: str
    encoding: str
    prefix: str

    def options(self) -> dict[str, str]:
        out = {"auth": self.kind, "header": self.header, "prefix": self.prefix}
        if self.kind == "hmac":
            out.update(algorithm=self.algorithm, encoding=self.encoding)
        return out

    def verify(self, headers: Mapping[str, str], body: bytes, secret: str) -> None:
        sent = headers.get(self.header.lower())
        if sent is None:
            raise VerificationError(f"{self.header} is missing")
        if self.kind == "token":
            expected = self.prefix + secret
        else:
            digest = hmac.new(secret.encode(), body, self.algorithm).digest()
            written = digest.hex() if self.encoding == "hex" else base64.b64encode(digest).decode()
            expected = self.prefix + written
            if self.encoding == "hex":
                sent = sent.strip().lower()
                expected = expected.lower()
        if not hmac.compare_digest(sent.strip().encode(), expected.encode()):
            what = "token" if self.kind == "token" else f"HMAC-{self.algorithm.upper()} signature"
            raise VerificationError(f"{self.header} does not carry the right {what}")


def auth_of(options: Mapping[str, Any]) -> Auth:
    """The verification options of a source, checked (PluginConfigError naming the option)."""
    kind = options.get("auth", "hmac")
    if kind not in DEFAULT_HEADER:
        raise PluginConfigError(f"auth must be hmac or token, not {kind!r}", "options.auth")
    header = _text(options, "header", DEFAULT_HEADER[kind])
    if not _HEADER_NAME.fullmatch(header):
        raise PluginConfigError(f"{header!r} is not a header name", "options.header")
    prefix = _text(options, "prefix", "")
    if kind == "token":
        for key in ("algorithm", "encoding"):
            if key in options:
                raise PluginConfigError(f"{key} is an option of auth=hmac, not of auth=token",
                                        f"options.{key}")
        return Auth(kind, header, "", "", prefix)
    algorithm = _text(options, "algorithm", "sha256").lower()
    if algorithm not in ALGORITHMS or algorithm not in hashlib.algorithms_available:
        raise PluginConfigError(f"algorithm must be one of {', '.join(ALGORITHMS)}, not {algorithm!r}",
                                "options.algorithm")
    encoding = _text(options, "encoding", "hex").lower()
    if encoding not in ENCODINGS:
        raise PluginConfigError(f"encoding must be hex or base64, not {encoding!r}", "options.encoding")
    return Auth(kind, header, algorithm, encoding, prefix)


def _text(options: Mapping[str, Any], key: str, default: str) -> str:
    value = options.get(key, default)
    if not isinstance(value, str):
        raise PluginConfigError(f"{key} must be a string", f"options.{key}")
    return value
