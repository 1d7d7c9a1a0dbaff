"""Signed statements: a JWS of the statement sent as a signature attachment.

xAPI 1.0.3 Data 2.6 (Signed Statements) and Appendix D (Example Signed Statement), Communication 1.5.2
(the signature travels as a multipart/mixed part); xAPI 2.0 changes s13 (JWS Compact Serialization).
The statement signed is the spec's Appendix D example; keys and certificates are made here.
"""

from __future__ import annotations

import base64
import copy
import datetime
import re

import orjson
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from joserfc import jws
from joserfc.jwk import OctKey, RSAKey

from lrs.xapi import signature
from lrs.xapi.errors import BadRequest
from tests.conftest import DATA
from tests.xapi.test_attachments import (
    assert_rejected,
    attachment,
    data_parts,
    first_json,
    multipart,
    parse_response,
    part,
    send,
    sha256,
    stored_counts,
)

SIGNATURE_USAGE = "http://adlnet.gov/expapi/attachments/signature"
SPEC_DATA = DATA / "statements" / "xapi-spec"
SPEC_MARKDOWN = DATA.parent / "specs" / "xapi-1.0.3" / "xAPI-Data.md"


def appendix_d() -> dict:
    """Appendix D's "original Statement serialization to be signed"."""
    return orjson.loads((SPEC_DATA / "appendixD_signed_statement.json").read_bytes())


@pytest.fixture(scope="module")
def signer() -> tuple[rsa.RSAPrivateKey, str]:
    """An RSA key and a self-signed X.509 certificate for it, base64 DER as x5c wants (RFC 7515 4.1.6)."""
    return _signer()


@pytest.fixture(scope="module")
def stranger() -> tuple[rsa.RSAPrivateKey, str]:
    return _signer()


def _signer() -> tuple[rsa.RSAPrivateKey, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Example Learning Record Provider")])
    start = datetime.datetime.now(datetime.UTC)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                   .serial_number(x509.random_serial_number()).not_valid_before(start)
                   .not_valid_after(start + datetime.timedelta(days=1)).sign(key, hashes.SHA256()))
    return key, base64.b64encode(certificate.public_bytes(serialization.Encoding.DER)).decode()


def sign(payload: dict | bytes, signer, alg: str = "RS256", *, x5c: bool = True, **header) -> bytes:
    key, certificate = signer
    protected = {"alg": alg, **({"x5c": [certificate]} if x5c else {}), **header}
    data = payload if isinstance(payload, bytes) else orjson.dumps(payload)
    return jws.serialize_compact(protected, data, RSAKey.import_key(key), algorithms=[alg]).encode()


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def signature_attachment(token: bytes, **overrides) -> dict:
    return {**attachment(token, usage=SIGNATURE_USAGE, content_type="application/octet-stream"),
            "display": {"en-US": "Signature"}, "description": {"en-US": "A test signature"}, **overrides}


def signed(statement: dict, token: bytes, **overrides) -> dict:
    """The statement with its signature attachment added, as Appendix D's "Signed Statement"."""
    others = statement.get("attachments", [])
    return {**statement, "attachments": [*others, signature_attachment(token, **overrides)]}


def send_signed(xapi, statement: dict, token: bytes, **overrides):
    content_type, body = multipart(signed(statement, token, **overrides), part(token))
    return send(xapi, "POST", content_type, body)


def assert_stored_with_signature(xapi, statement_id: str, token: bytes) -> None:
    parts = parse_response(xapi.get({"statementId": statement_id, "attachments": "true"}))
    got = first_json(parts)
    assert got["attachments"][-1]["usageType"] == SIGNATURE_USAGE
    assert data_parts(parts) == {sha256(token): token}


# -- accepted (Data 2.6) -------------------------------------------------------------------------------------

@pytest.mark.parametrize("alg", ["RS256", "RS384", "RS512"])
def test_signed_statement_is_accepted_and_stored(xapi, signer, alg):
    """Data 2.6: RS256, RS384 or RS512 with the x5c chain; the LRS verifies it against the certificate."""
    statement = appendix_d()
    token = sign(statement, signer, alg)
    response = send_signed(xapi, statement, token)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json() == [statement["id"]]
    assert_stored_with_signature(xapi, statement["id"], token)


def test_signed_statement_under_2_0_is_accepted(xapi2, signer):
    """xAPI 2.0 keeps Data 2.6's rules and makes Compact Serialization a "shall" (changes, s13)."""
    statement = {k: v for k, v in appendix_d().items() if k != "version"}
    token = sign(statement, signer, "RS512")
    response = send_signed(xapi2, statement, token)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert_stored_with_signature(xapi2, statement["id"], token)


def test_signed_statement_put_is_accepted(xapi, signer):
    statement = appendix_d()
    token = sign(statement, signer, "RS384")
    content_type, body = multipart(signed(statement, token), part(token))
    response = send(xapi, "PUT", content_type, body, params={"statementId": statement["id"]})
    assert response.status_code == 204, response.get_data(as_text=True)
    assert_stored_with_signature(xapi, statement["id"], token)


def test_signed_statement_without_x5c_is_accepted_when_the_payload_matches(xapi, signer):
    """Without x5c the LRS cannot find the key, so only the payload match is checkable (Data 2.6: the
    certificate is validated "if the JWS header includes" one; signers SHOULD, not MUST, send it)."""
    statement = appendix_d()
    token = sign(statement, signer, "RS512", x5c=False)
    response = send_signed(xapi, statement, token)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert_stored_with_signature(xapi, statement["id"], token)


def test_spec_appendix_d_signature_verifies(xapi):
    """Appendix D's own JWS (a 1024-bit key, a two-certificate x5c chain) and its sha2 are accepted."""
    if not SPEC_MARKDOWN.exists():
        pytest.skip(f"{SPEC_MARKDOWN} is not here")
    found = re.search(r"JWS signature\s*```\s*(\S+)\s*```", SPEC_MARKDOWN.read_text(encoding="utf-8"))
    assert found, "Appendix D's JWS signature block"
    token = found.group(1).encode()
    assert sha256(token) == "672fa5fa658017f1b72d65036f13379c6ab05d4ab3b6664908d8acf0b6a0c634"
    response = send_signed(xapi, appendix_d(), token, length=4235)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert_stored_with_signature(xapi, appendix_d()["id"], token)


def test_payload_naming_the_signature_attachment_is_accepted(xapi, signer):
    """The signature attachment is added after signing, so the comparison leaves it out on both sides.

    The data set's ``appendixD_signed_statement_jws_payload.json`` names Appendix D's signature attachment.
    """
    payload = orjson.loads((SPEC_DATA / "appendixD_signed_statement_jws_payload.json").read_bytes())
    token = sign(payload, signer)
    response = send_signed(xapi, appendix_d(), token)
    assert response.status_code == 200, response.get_data(as_text=True)


def test_signed_statement_with_other_attachments_is_accepted(xapi, signer):
    essay = b"%PDF-1.4 \xe2\x80\x94 essay"
    statement = {**appendix_d(), "attachments": [attachment(essay, content_type="application/pdf")]}
    token = sign(statement, signer)
    content_type, body = multipart(signed(statement, token), part(essay, "application/pdf"), part(token))
    response = send(xapi, "POST", content_type, body)
    assert response.status_code == 200, response.get_data(as_text=True)
    parts = parse_response(xapi.get({"statementId": statement["id"], "attachments": "true"}))
    assert data_parts(parts) == {sha256(essay): essay, sha256(token): token}


def test_batch_with_a_signed_and_an_unsigned_statement_is_accepted(xapi, signer, app):
    statement = appendix_d()
    token = sign(statement, signer)
    unsigned = {k: v for k, v in appendix_d().items() if k != "id"}
    content_type, body = multipart([unsigned, signed(statement, token)], part(token))
    response = send(xapi, "POST", content_type, body)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert stored_counts(app) == (2, 1)


def test_unknown_header_parameters_are_ignored(xapi, signer):
    """RFC 7515 4: a header parameter the recipient does not understand is ignored unless it is critical."""
    statement = appendix_d()
    token = sign(statement, signer, typ="JOSE", kid="provider-key-1")
    assert send_signed(xapi, statement, token).status_code == 200


# -- rejected: 400, a message, nothing stored (Data 2.6 LRS requirements) ------------------------------------

def test_signature_whose_payload_differs_is_rejected(xapi, signer, app):
    statement = appendix_d()
    other = copy.deepcopy(statement)
    other["object"]["id"] = "https://www.youtube.com/watch?v=somethingElse"
    response = send_signed(xapi, statement, sign(other, signer))
    assert_rejected(response, app, "payload does not match")
    assert response.get_json()["path"] == "$.attachments[0]"


@pytest.mark.parametrize("change", [
    {"timestamp": "2013-04-01T12:00:01Z"},
    {"id": "5f2c1f0e-4a47-4f5b-9d6f-0a3c6a2b1d11"},
    {"result": {"completion": True}},
])
def test_signature_over_a_changed_statement_is_rejected(xapi, signer, app, change):
    statement = appendix_d()
    response = send_signed(xapi, statement, sign({**statement, **change}, signer, x5c=False))
    assert_rejected(response, app, "payload does not match")


def test_statement_changed_after_signing_is_rejected(xapi, signer, app):
    statement = appendix_d()
    token = sign(statement, signer)
    changed = {**statement, "result": {"success": False}}
    assert_rejected(send_signed(xapi, changed, token), app, "payload does not match")


def test_tampered_signature_is_rejected(xapi, signer, app):
    """Data 2.6: with an x5c certificate, the LRS validates the signature against it."""
    statement = appendix_d()
    head, payload, sig = sign(statement, signer).decode().split(".")
    flipped = sig[:10] + ("A" if sig[10] != "A" else "B") + sig[11:]
    tampered = f"{head}.{payload}.{flipped}".encode()
    assert_rejected(send_signed(xapi, statement, tampered), app, "does not verify")


def test_signature_by_a_key_other_than_the_certificates_is_rejected(xapi, signer, stranger, app):
    statement = appendix_d()
    _, certificate = signer
    key, _ = stranger
    token = jws.serialize_compact({"alg": "RS256", "x5c": [certificate]}, orjson.dumps(statement),
                                  RSAKey.import_key(key), algorithms=["RS256"]).encode()
    assert_rejected(send_signed(xapi, statement, token), app, "does not verify")


def test_hs256_signature_is_rejected(xapi, app):
    """Data 2.6: the JWS MUST use RS256, RS384 or RS512."""
    statement = appendix_d()
    token = jws.serialize_compact({"alg": "HS256"}, orjson.dumps(statement),
                                  OctKey.import_key(b"a shared secret of 32 bytes....."),
                                  algorithms=["HS256"]).encode()
    assert_rejected(send_signed(xapi, statement, token), app, "HS256")


def test_unsigned_alg_none_is_rejected(xapi, app):
    statement = appendix_d()
    header = b64url(orjson.dumps({"alg": "none"}))
    token = f"{header}.{b64url(orjson.dumps(statement))}.".encode()
    assert_rejected(send_signed(xapi, statement, token), app, "none")


@pytest.mark.parametrize("token", [
    b"not a jws",
    b"only.two",
    b"four.segments.are.wrong",
    b"!!!.@@@.###",
    b"e30.bm90IGpzb24.c2ln",  # {} . "not json" . sig
    b"WyJhbGciXQ.e30.c2ln",  # a header that is JSON but not an object
    "\u00e9t\u00e9.\u00e9.\u00e9".encode(),
    b"",
])
def test_malformed_signature_is_rejected(xapi, app, token):
    """Data 2.6: the LRS MUST reject malformed signatures with 400 (2.0: Compact Serialization)."""
    assert_rejected(send_signed(xapi, appendix_d(), token), app, "signature")


def test_json_serialized_jws_is_rejected(xapi, signer, app):
    """2.0 (s13) makes Compact Serialization a "shall"; a JSON-serialized JWS is not one."""
    statement = appendix_d()
    key, certificate = signer
    general = jws.serialize_json({"protected": {"alg": "RS256", "x5c": [certificate]}},
                                 orjson.dumps(statement), RSAKey.import_key(key), algorithms=["RS256"])
    assert_rejected(send_signed(xapi, statement, orjson.dumps(general)), app, "compact")


@pytest.mark.parametrize("x5c", [{"0": "not a list"}, [], [42], ["not base64 DER!"],
                                 [base64.b64encode(b"junk").decode()]])
def test_unreadable_x5c_is_rejected(xapi, signer, app, x5c):
    statement = appendix_d()
    key, _ = signer
    header = b64url(orjson.dumps({"alg": "RS256", "x5c": x5c}))
    token = f"{header}.{b64url(orjson.dumps(statement))}.c2ln".encode()
    assert_rejected(send_signed(xapi, statement, token), app, "x5c")


@pytest.mark.parametrize("payload", [{}, {"attachments": "x"}, {"actor": 5}, {"timestamp": "yesterday"}])
def test_signed_payload_that_is_not_a_statement_is_rejected(xapi, signer, app, payload):
    """Data 2.6: the payload MUST be "a valid JSON serialization of the complete Statement"."""
    statement = appendix_d()
    token = sign(payload if not payload else {**statement, **payload}, signer)
    assert_rejected(send_signed(xapi, statement, token), app, "not a valid statement")


def test_signature_attachment_with_wrong_content_type_is_rejected(xapi, signer, app):
    """Data 2.6: the signature attachment's contentType is application/octet-stream."""
    statement = appendix_d()
    token = sign(statement, signer)
    response = send_signed(xapi, statement, token, contentType="application/jose")
    assert_rejected(response, app, "application/octet-stream")
    assert response.get_json()["path"] == "$.attachments[0].contentType"


def test_signature_attachment_without_its_data_is_rejected(xapi, signer, app):
    statement = appendix_d()
    token = sign(statement, signer)
    content_type, body = multipart(signed(statement, token))
    assert_rejected(send(xapi, "POST", content_type, body), app, "no fileUrl")


def test_batch_with_one_bad_signature_stores_nothing(xapi, signer, app):
    good = appendix_d()
    bad = {**appendix_d(), "id": "5f2c1f0e-4a47-4f5b-9d6f-0a3c6a2b1d11"}
    good_token, bad_token = sign(good, signer), sign(good, signer, "RS384")
    content_type, body = multipart([signed(good, good_token), signed(bad, bad_token)],
                                   part(good_token), part(bad_token))
    response = send(xapi, "POST", content_type, body)
    assert_rejected(response, app, "payload does not match")
    assert response.get_json()["path"] == "$[1].attachments[0]"


# -- a fileUrl signature, and the comparison on its own (no database) ----------------------------------------

def test_signature_sent_only_by_fileurl_is_accepted_unchecked(xapi, signer):
    """Communication 1.5.1: fileUrl-only attachments MUST be accepted; with no data, no JWS to check."""
    statement = appendix_d()
    sent = signed(statement, sign(statement, signer), fileUrl="https://example.com/signatures/33cff416.jws")
    assert xapi.post(sent).status_code == 200


def test_payload_without_id_matches_a_statement_with_one():
    statement = appendix_d()
    payload = {k: v for k, v in statement.items() if k != "id"}
    assert signature.payload_matches(statement, payload)
    assert not signature.payload_matches(payload, statement)


def test_payload_compares_ids_case_insensitively():
    statement = appendix_d()
    assert signature.payload_matches(statement, {**statement, "id": statement["id"].upper()})


def test_verify_reports_a_path():
    with pytest.raises(BadRequest) as caught:
        signature.verify(appendix_d(), b"a.b", "$[3].attachments[1]")
    assert caught.value.path == "$[3].attachments[1]"
