"""multipart/mixed statement requests and responses (Communication 1.5.2)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from email import policy
from email.parser import BytesParser

from lrs.xapi.errors import BadRequest

HASH_HEADER = "X-Experience-API-Hash"


@dataclass
class Part:
    content_type: str
    headers: dict[str, str]
    body: bytes


def parse(content_type: str, body: bytes) -> list[Part]:
    """Split a multipart/mixed body into its parts (RFC 2046)."""
    message = BytesParser(policy=policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body)
    if not message.is_multipart():
        raise BadRequest("the multipart/mixed body has no parts or no boundary", path="Content-Type")
    parts = []
    for item in message.iter_parts():
        payload = item.get_payload(decode=True)
        parts.append(Part(item.get_content_type(), {k.lower(): str(v) for k, v in item.items()},
                          payload if isinstance(payload, bytes) else b""))
    if not parts:
        raise BadRequest("the multipart/mixed body has no parts", path="body")
    return parts


def attachment_parts(parts: list[Part]) -> dict[str, tuple[str, bytes]]:
    """The attachment parts after the first, keyed by their declared hash, which must match their data."""
    found: dict[str, tuple[str, bytes]] = {}
    for index, part in enumerate(parts[1:], start=1):
        declared = part.headers.get(HASH_HEADER.lower())
        if not declared:
            raise BadRequest(f"part {index} has no {HASH_HEADER} header", path=f"part[{index}]")
        declared = declared.strip().lower()
        algorithm = {56: hashlib.sha224, 64: hashlib.sha256, 96: hashlib.sha384, 128: hashlib.sha512}.get(
            len(declared))
        if algorithm is None or algorithm(part.body).hexdigest() != declared:
            raise BadRequest(f"part {index}'s data does not match its {HASH_HEADER}", path=f"part[{index}]")
        found[declared] = (part.content_type, part.body)
    return found


def build(first: bytes, attachments: list[tuple[str, str, bytes]]) -> tuple[str, bytes]:
    """A multipart/mixed response: the JSON first, then each (sha2, content type, data)."""
    boundary = secrets.token_hex(16)
    chunks = [f"--{boundary}\r\nContent-Type: application/json\r\n\r\n".encode(), first, b"\r\n"]
    for sha2, content_type, data in attachments:
        chunks.append(
            f"--{boundary}\r\nContent-Type: {content_type}\r\nContent-Transfer-Encoding: binary\r\n"
            f"{HASH_HEADER}: {sha2}\r\n\r\n".encode())
        chunks.extend([data, b"\r\n"])
    chunks.append(f"--{boundary}--\r\n".encode())
    return f'multipart/mixed; boundary="{boundary}"', b"".join(chunks)
