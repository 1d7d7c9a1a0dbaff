"""Attachments: multipart/mixed statement requests and responses.

xAPI 1.0.3 Communication 1.5.1 (application/json) and 1.5.2 (multipart/mixed), Data 2.4.11 (Attachments),
Communication 2.1.3 (GET ``attachments`` parameter); xAPI 2.0 §4.1.3 (a multipart body whose only part is
the statement JSON is accepted).
"""

from __future__ import annotations

import hashlib
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

import orjson
import pytest
from sqlalchemy import func, select

from lrs.extensions import db
from lrs.models import Attachment, Statement
from tests.conftest import statement

BOUNDARY = "lrs-test-boundary-0123"
USAGE = "http://example.com/attachment-usage/test"
# Not UTF-8, with CR, LF, CRLF, NUL, a line that looks like a delimiter, and a CRLF at the very end.
BINARY = bytes(range(256)) + b"\xff\xfe\x00\r\n--" + BOUNDARY.encode()[:-1] + b"\r\n\r\r\n\n\x80\x81\r\n"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def attachment(data: bytes, *, content_type: str = "application/octet-stream", usage: str = USAGE,
               sha2: str | None = None, **extra) -> dict:
    """An Attachment object (Data 2.4.11) describing ``data``."""
    return {"usageType": usage, "display": {"en-US": "A test attachment"}, "contentType": content_type,
            "length": len(data), "sha2": sha2 or sha256(data), **extra}


def part(data: bytes, content_type: str | None = "application/octet-stream", *, sha2: str | None = None,
         headers: dict | None = None) -> bytes:
    """One attachment part: its headers (X-Experience-API-Hash unless ``sha2=""``) and its raw octets."""
    fields = {"Content-Type": content_type, "Content-Transfer-Encoding": "binary",
              "X-Experience-API-Hash": sha256(data) if sha2 is None else sha2, **(headers or {})}
    head = "".join(f"{name}: {value}\r\n" for name, value in fields.items() if value)
    return head.encode() + b"\r\n" + data


def multipart(first, *parts: bytes, boundary: str = BOUNDARY,
              first_type: str = "application/json") -> tuple[str, bytes]:
    """A multipart/mixed body (RFC 2046): the statement JSON first, then the given parts."""
    first_bytes = first if isinstance(first, bytes) else orjson.dumps(first)
    chunks = [f"Content-Type: {first_type}\r\n\r\n".encode() + first_bytes, *parts]
    delimiter = f"--{boundary}".encode()
    body = b"".join(delimiter + b"\r\n" + chunk + b"\r\n" for chunk in chunks) + delimiter + b"--\r\n"
    return f'multipart/mixed; boundary="{boundary}"', body


def send(xapi, method: str, content_type: str, body: bytes, params: dict | None = None):
    return xapi.request(method, "statements", data=body, content_type=content_type, params=params)


def parse_response(response) -> list[EmailMessage]:
    """The parts of a multipart/mixed response, parsed with the standard library."""
    assert response.mimetype == "multipart/mixed", response.get_data(as_text=True)[:300]
    raw = f"Content-Type: {response.headers['Content-Type']}\r\n\r\n".encode() + response.get_data()
    message = BytesParser(policy=policy.HTTP).parsebytes(raw)
    assert message.is_multipart()
    return list(message.iter_parts())


def data_parts(parts: list[EmailMessage]) -> dict[str, bytes]:
    """The attachment parts after the first, by their X-Experience-API-Hash, checked against their data."""
    found = {}
    for item in parts[1:]:
        declared = item["X-Experience-API-Hash"]
        data = item.get_payload(decode=True)
        assert item["Content-Transfer-Encoding"] == "binary"
        algorithm = {64: "sha256", 96: "sha384", 128: "sha512"}[len(declared)]
        assert hashlib.new(algorithm, data).hexdigest() == declared
        assert declared not in found, "the same attachment is sent once"
        found[declared] = data
    return found


def first_json(parts: list[EmailMessage]):
    assert parts[0].get_content_type() == "application/json"
    return orjson.loads(parts[0].get_payload(decode=True))


def stored_counts(app) -> tuple[int, int]:
    with app.app_context():
        return (db.session.scalar(select(func.count()).select_from(Statement)),
                db.session.scalar(select(func.count()).select_from(Attachment)))


def assert_rejected(response, app, *words: str) -> None:
    """400 with a JSON body that names the problem, and nothing stored."""
    assert response.status_code == 400, response.get_data(as_text=True)
    body = response.get_json()
    assert body["error"] and body["detail"], body
    for word in words:
        assert word.lower() in body["detail"].lower(), body
    assert stored_counts(app) == (0, 0)


# -- accepted and returned (Communication 1.5.2, 2.1.3) ------------------------------------------------------

def test_post_multipart_one_binary_attachment_round_trips_byte_exact(xapi, app):
    sent = statement(attachments=[attachment(BINARY)])
    content_type, body = multipart(sent, part(BINARY))
    response = send(xapi, "POST", content_type, body)
    assert response.status_code == 200, response.get_data(as_text=True)
    (sid,) = response.get_json()
    assert stored_counts(app) == (1, 1)

    parts = parse_response(xapi.get({"statementId": sid, "attachments": "true"}))
    assert first_json(parts)["attachments"] == sent["attachments"]
    assert data_parts(parts) == {sha256(BINARY): BINARY}
    assert parts[1].get_content_type() == "application/octet-stream"

    listed = parse_response(xapi.get({"attachments": "true"}))
    assert [s["id"] for s in first_json(listed)["statements"]] == [sid]
    assert data_parts(listed) == {sha256(BINARY): BINARY}


def test_post_spec_example_multipart_body_verbatim(xapi):
    """Communication 1.5.2 "Example": its boundary uses every allowed character class."""
    boundary = "abcABC0123'()+_,-./:=?"
    data = b"here is a simple attachment"
    sent = statement(attachments=[attachment(data, content_type="text/plain; charset=ascii",
                                             description={"en-US": "A test attachment (description)"})])
    assert sha256(data) == "495395e777cd98da653df9615d09c0fd6bb2f8d4788394cd53c56a3bfdcd848a"
    content_type, body = multipart(sent, part(data, "text/plain"), boundary=boundary)
    response = send(xapi, "POST", content_type, body)
    assert response.status_code == 200, response.get_data(as_text=True)
    parts = parse_response(xapi.get({"statementId": response.get_json()[0], "attachments": "true"}))
    assert data_parts(parts) == {sha256(data): data}
    assert parts[1].get_content_type() == "text/plain"


def test_post_batch_sends_shared_attachment_data_once(xapi, app):
    """Communication 1.5.2: one copy of an attachment used by several statements sent together."""
    shared, own = b"\x89PNG\r\n\x1a\n shared certificate \xff", b"\x00\x01 second \xfe"
    batch = [statement(attachments=[attachment(shared)]),
             statement(attachments=[attachment(shared, usage="http://example.com/usage/copy"),
                                    attachment(own)])]
    content_type, body = multipart(batch, part(shared), part(own, "image/png"))
    response = send(xapi, "POST", content_type, body)
    assert response.status_code == 200, response.get_data(as_text=True)
    ids = response.get_json()
    assert len(ids) == 2
    assert stored_counts(app) == (2, 2)

    parts = parse_response(xapi.get({"attachments": "true"}))
    assert sorted(s["id"] for s in first_json(parts)["statements"]) == sorted(ids)
    assert data_parts(parts) == {sha256(shared): shared, sha256(own): own}
    for sid, expected in zip(ids, ({sha256(shared)}, {sha256(shared), sha256(own)}), strict=True):
        single = parse_response(xapi.get({"statementId": sid, "attachments": "true"}))
        assert set(data_parts(single)) == expected


def test_each_page_of_a_query_carries_its_own_attachments(xapi):
    """Communication 2.1.3: with attachments=true every page, "more" pages too, is multipart."""
    first, second = b"first \xff", b"second \xfe"
    for data in (first, second):
        content_type, body = multipart(statement(attachments=[attachment(data)]), part(data))
        assert send(xapi, "POST", content_type, body).status_code == 200
    page = parse_response(xapi.get({"attachments": "true", "limit": "1"}))
    assert data_parts(page) == {sha256(second): second}
    token = first_json(page)["more"].split("more=", 1)[1]
    page = parse_response(xapi.get({"more": token}))
    assert data_parts(page) == {sha256(first): first}


def test_put_multipart_stores_the_attachment(xapi):
    sid = "6f1c0c41-86e4-4a4c-9f27-3b0f3c6d0a11"
    sent = statement(attachments=[attachment(BINARY)])
    content_type, body = multipart(sent, part(BINARY))
    response = send(xapi, "PUT", content_type, body, params={"statementId": sid})
    assert response.status_code == 204, response.get_data(as_text=True)
    parts = parse_response(xapi.get({"statementId": sid, "attachments": "true"}))
    assert first_json(parts)["id"] == sid
    assert data_parts(parts) == {sha256(BINARY): BINARY}


def test_get_attachments_false_is_json_without_the_data(xapi):
    content_type, body = multipart(statement(attachments=[attachment(BINARY)]), part(BINARY))
    sid = send(xapi, "POST", content_type, body).get_json()[0]
    for params in ({"statementId": sid}, {"statementId": sid, "attachments": "false"},
                   {"attachments": "false"}):
        response = xapi.get(params)
        assert response.status_code == 200
        assert response.mimetype == "application/json"
        assert BINARY[:64] not in response.get_data()
        got = response.get_json()
        got = got["statements"][0] if "statements" in got else got
        assert got["attachments"][0]["sha2"] == sha256(BINARY)


@pytest.mark.parametrize("digest", ["sha384", "sha512"])
def test_other_sha2_digests_match_their_parts(xapi, digest):
    """Data 2.4.11 sha2 is any SHA-2; the part is matched by that digest (Communication 1.5.2)."""
    sha2 = hashlib.new(digest, BINARY).hexdigest()
    content_type, body = multipart(statement(attachments=[attachment(BINARY, sha2=sha2)]),
                                   part(BINARY, sha2=sha2))
    response = send(xapi, "POST", content_type, body)
    assert response.status_code == 200, response.get_data(as_text=True)
    parts = parse_response(xapi.get({"statementId": response.get_json()[0], "attachments": "true"}))
    assert data_parts(parts) == {sha2: BINARY}


def test_part_without_transfer_encoding_is_taken_as_binary(xapi):
    """Communication 1.5.2: the LRS SHOULD assume binary for attachment parts."""
    content_type, body = multipart(statement(attachments=[attachment(BINARY)]),
                                   part(BINARY, headers={"Content-Transfer-Encoding": None}))
    response = send(xapi, "POST", content_type, body)
    assert response.status_code == 200, response.get_data(as_text=True)
    parts = parse_response(xapi.get({"statementId": response.get_json()[0], "attachments": "true"}))
    assert data_parts(parts) == {sha256(BINARY): BINARY}


def test_part_hash_header_in_upper_case_matches(xapi):
    data = b"upper-case hash header"
    content_type, body = multipart(statement(attachments=[attachment(data)]),
                                   part(data, sha2=sha256(data).upper()))
    response = send(xapi, "POST", content_type, body)
    assert response.status_code == 200, response.get_data(as_text=True)
    parts = parse_response(xapi.get({"statementId": response.get_json()[0], "attachments": "true"}))
    assert data_parts(parts) == {sha256(data): data}


def test_statement_sha2_in_upper_case_is_returned_with_its_data(xapi):
    """Parts are matched by SHA-2 whatever the case of its hex digits (Communication 1.5.2)."""
    data = b"upper-case sha2 property"
    sent = statement(attachments=[attachment(data, sha2=sha256(data).upper())])
    content_type, body = multipart(sent, part(data))
    response = send(xapi, "POST", content_type, body)
    assert response.status_code == 200, response.get_data(as_text=True)
    parts = parse_response(xapi.get({"statementId": response.get_json()[0], "attachments": "true"}))
    assert data_parts(parts) == {sha256(data): data}


def test_part_content_type_parameters_are_kept(xapi):
    data = "caf\u00e9".encode("latin-1")
    content_type, body = multipart(statement(attachments=[attachment(data, content_type="text/plain")]),
                                   part(data, "text/plain; charset=iso-8859-1"))
    response = send(xapi, "POST", content_type, body)
    assert response.status_code == 200, response.get_data(as_text=True)
    parts = parse_response(xapi.get({"statementId": response.get_json()[0], "attachments": "true"}))
    assert parts[1].get_content_type() == "text/plain"
    assert parts[1].get_param("charset") == "iso-8859-1"
    assert data_parts(parts) == {sha256(data): data}


def test_first_part_json_with_charset_is_accepted(xapi):
    content_type, body = multipart(statement(), first_type="application/json; charset=utf-8")
    assert send(xapi, "POST", content_type, body).status_code == 200


def substatement(*attachments: dict) -> dict:
    return {"objectType": "SubStatement", "actor": {"mbox": "mailto:sub@example.com"},
            "verb": {"id": "http://example.com/verbs/did"}, "object": {"id": "http://example.com/a"},
            "attachments": list(attachments)}


def test_substatement_attachment_data_is_accepted(xapi):
    """Data 2.4.11: a SubStatement may carry attachments; their parts are not "unreferenced"."""
    data = b"substatement evidence"
    content_type, body = multipart(statement(object=substatement(attachment(data))), part(data))
    response = send(xapi, "POST", content_type, body)
    assert response.status_code == 200, response.get_data(as_text=True)


def test_substatement_attachment_data_is_returned(xapi):
    """Communication 1.5.2: an LRS MUST NOT push statements on without the attachment data it received."""
    data = b"substatement evidence"
    content_type, body = multipart(statement(object=substatement(attachment(data))), part(data))
    sid = send(xapi, "POST", content_type, body).get_json()[0]
    parts = parse_response(xapi.get({"statementId": sid, "attachments": "true"}))
    assert data_parts(parts) == {sha256(data): data}


# -- accepted without data (Communication 1.5.1, 1.5.2; 2.0 §4.1.3) ------------------------------------------

def test_application_json_with_only_fileurl_attachments_is_accepted(xapi):
    """Communication 1.5.1: MUST accept application/json batches whose attachments all have a fileUrl."""
    sent = statement(attachments=[attachment(b"hosted elsewhere", fileUrl="https://example.com/essay.pdf")])
    sid = xapi.store(sent)
    parts = parse_response(xapi.get({"statementId": sid, "attachments": "true"}))
    assert first_json(parts)["attachments"] == sent["attachments"]
    assert len(parts) == 1


def test_multipart_whose_only_part_is_the_statement_is_accepted(xapi, xapi2, app):
    """xAPI 2.0 §4.1.3 (and Communication 1.5.2's note): multipart need not carry attachments."""
    for client in (xapi, xapi2):
        content_type, body = multipart([statement(), statement()])
        response = send(client, "POST", content_type, body)
        assert response.status_code == 200, response.get_data(as_text=True)
        assert len(response.get_json()) == 2
    assert stored_counts(app) == (4, 0)


def test_multipart_with_only_fileurl_attachments_is_accepted(xapi):
    """Communication 1.5.2: SHOULD* accept multipart batches whose attachments all have a fileUrl."""
    sent = statement(attachments=[attachment(b"hosted", fileUrl="https://example.com/hosted.txt")])
    content_type, body = multipart(sent)
    params = {"statementId": "0e3f4d3a-6a38-4bd4-8a0e-4f1b1d1d0b01"}
    response = send(xapi, "PUT", content_type, body, params=params)
    assert response.status_code == 204, response.get_data(as_text=True)


def test_fileurl_attachment_may_also_send_its_data(xapi):
    sent = statement(attachments=[attachment(BINARY, fileUrl="https://example.com/b.bin")])
    content_type, body = multipart(sent, part(BINARY))
    response = send(xapi, "POST", content_type, body)
    assert response.status_code == 200, response.get_data(as_text=True)
    parts = parse_response(xapi.get({"statementId": response.get_json()[0], "attachments": "true"}))
    assert data_parts(parts) == {sha256(BINARY): BINARY}


# -- rejected: 400, a message naming the problem, nothing stored ---------------------------------------------

def test_part_whose_hash_does_not_match_its_data_is_rejected(xapi, app):
    sent = statement(attachments=[attachment(BINARY)])
    content_type, body = multipart(sent, part(BINARY[:-1], sha2=sha256(BINARY)))
    assert_rejected(send(xapi, "POST", content_type, body), app, "does not match", "X-Experience-API-Hash")


def test_part_without_hash_header_is_rejected(xapi, app):
    sent = statement(attachments=[attachment(BINARY)])
    content_type, body = multipart(sent, part(BINARY, sha2=""))
    assert_rejected(send(xapi, "POST", content_type, body), app, "no X-Experience-API-Hash")


def test_attachment_with_neither_fileurl_nor_part_is_rejected(xapi, app):
    """Communication 1.5.2: MUST reject attachments that neither have a fileUrl nor match a part."""
    content_type, body = multipart(statement(attachments=[attachment(BINARY)]))
    assert_rejected(send(xapi, "POST", content_type, body), app, "no fileUrl")


def test_attachment_whose_part_is_another_is_rejected(xapi, app):
    content_type, body = multipart([statement(), statement(attachments=[attachment(b"wanted")])],
                                   part(b"something else"))
    response = send(xapi, "POST", content_type, body)
    assert_rejected(response, app, "no fileUrl")
    assert response.get_json()["path"] == "$[1].attachments[0].sha2"


def test_substatement_attachment_without_data_is_rejected(xapi, app):
    content_type, body = multipart(statement(object=substatement(attachment(b"never sent"))))
    response = send(xapi, "POST", content_type, body)
    assert_rejected(response, app, "no fileUrl")
    assert response.get_json()["path"] == "$.object.attachments[0].sha2"


def test_first_part_that_is_not_json_is_rejected(xapi, app):
    """Communication 1.5.2: the first part MUST be application/json."""
    content_type, body = multipart(statement(), first_type="text/plain")
    assert_rejected(send(xapi, "POST", content_type, body), app, "application/json")


@pytest.mark.parametrize("content_type", ["multipart/mixed", "multipart/mixed; charset=utf-8",
                                          "multipart/mixed; boundary=not-in-the-body"])
def test_multipart_body_without_its_boundary_is_rejected(xapi, app, content_type):
    _, body = multipart(statement(attachments=[attachment(BINARY)]), part(BINARY))
    assert_rejected(send(xapi, "POST", content_type, body), app, "boundary")


def test_application_json_attachment_without_fileurl_is_rejected(xapi, app):
    """Communication 1.5.2: an application/json request MUST give every attachment a fileUrl."""
    response = xapi.post([statement(), statement(attachments=[attachment(BINARY)])])
    assert_rejected(response, app, "no fileUrl")


def test_extra_part_no_statement_references_is_rejected(xapi, app):
    """Each part after the first "forms a logical part of the Statement" (Communication 1.5.2)."""
    content_type, body = multipart(statement(attachments=[attachment(BINARY)]), part(BINARY), part(b"stray"))
    assert_rejected(send(xapi, "POST", content_type, body), app, sha256(b"stray"), "not an attachment")


def test_part_content_type_too_long_to_keep_is_rejected(xapi, app):
    data = b"long type"
    long_type = "application/" + "x" * 300
    content_type, body = multipart(statement(attachments=[attachment(data)]), part(data, long_type))
    assert_rejected(send(xapi, "POST", content_type, body), app, "Content-Type")


def test_rejected_batch_stores_none_of_its_statements(xapi, app):
    good = statement(attachments=[attachment(b"fine")])
    bad = statement(attachments=[attachment(b"missing")])
    content_type, body = multipart([good, bad], part(b"fine"))
    assert_rejected(send(xapi, "POST", content_type, body), app, "no fileUrl")


# -- unit: the parser keeps every octet ----------------------------------------------------------------------

def test_parse_keeps_binary_data_byte_exact_with_lf_delimiters():
    from lrs.xapi import multipart as mp

    content_type, body = multipart(statement(), part(BINARY))
    lf_body = body.replace(b"\r\n--" + BOUNDARY.encode(), b"\n--" + BOUNDARY.encode())
    for raw in (body, lf_body):
        parts = mp.parse(content_type, raw)
        assert mp.attachment_parts(parts) == {sha256(BINARY): ("application/octet-stream", BINARY)}


def test_build_response_cannot_be_split_by_a_stored_content_type():
    from lrs.xapi import multipart as mp

    content_type, body = mp.build(b"{}", [(sha256(b"x"), "text/plain\r\nX-Injected: 1", b"x")])
    message = BytesParser(policy=policy.HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + body)
    second = list(message.iter_parts())[1]
    assert second["X-Injected"] is None
    assert second.get_payload(decode=True) == b"x"
