"""IMS Caliper 1.1 and 1.2 sensors as a source: envelopes in, xAPI 1.0.3 statements out.

A Caliper sensor POSTs one envelope per request with ``Authorization: Bearer <token>`` (Caliper 1.2
§5.4 and §6, RFC 6750 §2.1) and ``Content-Type: application/json`` (the only media type Caliper
names). The token is the source's secret. The mapping is in MAPPING.md; the statements follow the
project's lms-events profile (``xapi_profiles/lms-events.jsonld``).

Options: ``homepage`` (an http(s) URL) is the account homePage of every actor, instead of the scheme
and host of each actor's IRI; ``language`` (default ``und``, "undetermined": Caliper does not say which
language names are in) tags activity names and descriptions.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from typing import Any

from lrs.plugin_host.base import Event, PluginConfigError, SourcePlugin, Translation, VerificationError
from lrs.xapi import formats

from .entities import authority
from .envelope import translate_envelope
from .vocabulary import PROFILE

OPTIONS = ("homepage", "language")
DEFAULT_LANGUAGE = "und"


def bearer_token(headers: Mapping[str, str]) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header (the scheme is case-insensitive)."""
    scheme, _, token = headers.get("authorization", "").strip().partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


class CaliperSource(SourcePlugin):
    name = "caliper"
    title = "IMS Caliper 1.1/1.2 sensor"
    profile = PROFILE
    content_types = ("application/json",)

    def configure(self, options: dict[str, Any]) -> dict[str, Any]:
        unknown = sorted(set(options) - set(OPTIONS))
        if unknown:
            raise PluginConfigError(f"unknown option(s) {', '.join(unknown)}; a caliper source takes "
                                    f"{' and '.join(OPTIONS)}", f"options.{unknown[0]}")
        homepage = options.get("homepage")
        if homepage is not None and (not isinstance(homepage, str) or authority(homepage) is None):
            raise PluginConfigError("homepage must be an http(s) URL (the account homePage of actors)",
                                    "options.homepage")
        language = options.get("language", DEFAULT_LANGUAGE)
        if not isinstance(language, str) or not formats.is_language_tag(language):
            raise PluginConfigError("language must be an RFC 5646 language tag such as en or und",
                                    "options.language")
        return {**({"homepage": homepage} if homepage else {}), "language": language}

    def verify(self, headers: Mapping[str, str], raw_body: bytes, secret: str,
               options: Mapping[str, Any]) -> None:
        token = bearer_token(headers)
        if token is None:
            raise VerificationError("send the source's secret as Authorization: Bearer <token>")
        if not hmac.compare_digest(token.encode(), secret.encode()):
            raise VerificationError("the bearer token is not this source's secret")

    def translate(self, event: Event) -> Translation:
        homepage = event.options.get("homepage") or event.homepage or None
        language = event.options.get("language") or DEFAULT_LANGUAGE
        return translate_envelope(event.payload, homepage, language)
