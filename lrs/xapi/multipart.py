"""multipart/mixed statement requests and responses (Communication 1.5.2)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from email import policy
from email.parser import BytesParser

from lrs.xapi.errors import BadRequest

HASH_HEADER = "X-Experience-API-Hash"
MAX_CONTENT_TYPE = 255  # the width of attachments.content_type
DIGESTS = {56: "sha224", 64: "sha256", 96: "sha384", 128: "sha512"}  # hex length -> SHA-2 function


@dataclass
class Part:
    content_type: str  # the media type alone, lower case ("text/plain" when the part names none)
    headers: dict[str, str]  # lower-case names
    body: bytes


def parse(content_type: str, body: bytes) -> list[Part]:
    """Split a multipart/mixed body into its parts (RFC 2046); each part's data is kept byte for byte."""
    if "\r" in content_type or "\n" in content_type:
        raise BadRequest("the Content-Type header holds a line break", path="Content-Type")
    try:
        head = b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n"
    except UnicodeEncodeError as exc:
        raise BadRequest("the Content-Type header is not Latin-1 text", path="Content-Type") from exc
    message = BytesParser(policy=policy.HTTP).parsebytes(head + body)
    if not message.is_multipart() or not message.get_boundary():
        raise BadRequest("the multipart/mixed body has no boundary parameter or no part delimited by it",
                         path="Content-Type")
    parts = []
    for item in message.iter_parts():
        payload = item.get_payload(decode=True)
        parts.append(Part(item.get_content_type(), {k.lower(): str(v) for k, v in item.items()},
                          payload if isinstance(payload, bytes) else b""))
    if not parts:
        raise BadRequest("the multipart/mixed body has no parts", path="body")
    return parts


def _checked(part: Part, index: int) -> tuple[str, str]:
    """The part's declared hash (lower case) once its data matches it, and the content type to keep."""
    path = f"part[{index}]"
    declared = part.headers.get(HASH_HEADER.lower(), "").strip().lower()
    if not declared:
        raise BadRequest(f"part {index} has no {HASH_HEADER} header", path=path)
    algorithm = DIGESTS.get(len(declared))
    if algorithm is None or hashlib.new(algorithm, part.body).hexdigest() != declared:
        raise BadRequest(f"part {index}'s data does not match its {HASH_HEADER} {declared!r}", path=path)
    content_type = part.headers.get("content-type", "").strip()
    if content_type.split(";")[0].strip().lower() != part.content_type:
        content_type = part.content_type  # absent or unparsable: RFC 2045 5.2's default
    if len(content_type) > MAX_CONTENT_TYPE:
        raise BadRequest(f"part {index}'s Content-Type is longer than {MAX_CONTENT_TYPE} characters",
                         path=f"{path}.Content-Type")
    return declared, content_type


def attachment_parts(parts: list[Part]) -> dict[str, tuple[str, bytes]]:
    """The attachment parts after the first, keyed by their declared hash, which must match their data.

    Communication 1.5.2: each part after the first carries X-Experience-API-Hash; the LRS matches parts
    to attachments by that SHA-2 and no other way, and takes a part naming no transfer encoding as binary.
    """
    found: dict[str, tuple[str, bytes]] = {}
    for index, part in enumerate(parts[1:], start=1):
        declared, content_type = _checked(part, index)
        found[declared] = (content_type, part.body)
    return found


def build(first: bytes, attachments: list[tuple[str, str, bytes]]) -> tuple[str, bytes]:
    """A multipart/mixed response: the JSON first, then each (sha2, content type, data)."""
    boundary = secrets.token_hex(16)
    chunks = [f"--{boundary}\r\nContent-Type: application/json\r\n\r\n".encode(), first, b"\r\n"]
    for sha2, content_type, data in attachments:
        safe_type = " ".join(content_type.split())  # no line break can end the header early
        chunks.append(
            f"--{boundary}\r\nContent-Type: {safe_type}\r\nContent-Transfer-Encoding: binary\r\n"
            f"{HASH_HEADER}: {sha2}\r\n\r\n".encode("latin-1", "replace"))
        chunks.extend([data, b"\r\n"])
    chunks.append(f"--{boundary}--\r\n".encode())
    return f'multipart/mixed; boundary="{boundary}"', b"".join(chunks)
