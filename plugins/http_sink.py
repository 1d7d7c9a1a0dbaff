"""The HTTP sink plugin: POSTs a review export (JSON) to an HR system, signed with HMAC-SHA256."""

from __future__ import annotations

import hashlib
import hmac

import requests

from lrs.reviews.sinks import DeliveryFailed, SinkPlugin


class HttpSink(SinkPlugin):
    """``X-LRS-Signature: sha256=<hex HMAC-SHA256 of the body with the sink's secret>``; 2xx is delivered."""

    name = "http"

    def push(self, url: str, body: bytes, secret: str) -> int:
        signature = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        try:
            response = requests.post(url, data=body, timeout=30, headers={
                "Content-Type": "application/json", "X-LRS-Signature": signature,
                "User-Agent": "lrs review sink"})
        except requests.RequestException as exc:
            raise DeliveryFailed(f"cannot reach {url}: {type(exc).__name__}") from exc
        if not 200 <= response.status_code < 300:
            raise DeliveryFailed(f"{response.status_code} from the HR system: {response.text[:200]}",
                                 response.status_code)
        return response.status_code
