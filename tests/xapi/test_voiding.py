"""Voiding (Data 2.3.2) and voided statements in GET /statements (Communication 2.1.4).

Sections cited are of xAPI 1.0.3 Communication (C) and Data (D), and of the 2.0 changes document (2.0 §...).
"""

from __future__ import annotations

import uuid

import orjson
import pytest

from tests.conftest import XapiClient, issue_credential, statement

VOIDED = "http://adlnet.gov/expapi/verbs/voided"
ADA = {"mbox": "mailto:ada@example.com"}
ADMIN = {"mbox": "mailto:admin@example.com"}
COURSE = "http://example.com/activities/course-1"


def voiding(target: str, **overrides) -> dict:
    return statement(actor=ADMIN, verb={"id": VOIDED, "display": {"en-US": "voided"}},
                     object={"objectType": "StatementRef", "id": target}, **overrides)


def ids(response) -> list[str]:
    assert response.status_code == 200, response.get_data(as_text=True)
    return [s["id"] for s in response.get_json()["statements"]]


def test_voided_statement_is_404_by_statement_id(xapi):
    """C 2.1.4: a voided statement is returned only when requested by voidedStatementId."""
    target = xapi.store(statement())
    xapi.store(voiding(target))
    assert xapi.get({"statementId": target}).status_code == 404


def test_voided_statement_is_returned_by_voided_statement_id(xapi):
    """C 2.1.4: "The process of retrieving voiding Statements is to request each individually by
    voidedStatementId" — the voided statement comes back unchanged."""
    target = xapi.store(statement())
    before = xapi.fetch(target)
    xapi.store(voiding(target))
    response = xapi.get({"voidedStatementId": target})
    assert response.status_code == 200
    assert response.get_json() == before
    assert response.headers["Last-Modified"]


def test_voided_statement_id_of_a_statement_not_voided_is_404(xapi):
    """C 2.1.4: voidedStatementId finds only voided statements."""
    sid = xapi.store(statement())
    assert xapi.get({"voidedStatementId": sid}).status_code == 404
    assert xapi.get({"voidedStatementId": str(uuid.uuid4())}).status_code == 404


def test_voided_statement_id_is_case_insensitive(xapi):
    """A UUID names the same statement in either case."""
    target = xapi.store(statement())
    xapi.store(voiding(target.upper()))
    assert xapi.get({"voidedStatementId": target.upper()}).status_code == 200


def test_voided_statements_are_hidden_from_queries(xapi):
    """C 2.1.4: "The LRS MUST not return any Statement which has been voided" in a query."""
    target = xapi.store(statement(actor=ADA))
    kept = xapi.store(statement(actor=ADA))
    void = xapi.store(voiding(target))
    assert ids(xapi.get()) == [void, kept]
    assert ids(xapi.get({"agent": orjson.dumps(ADA).decode()})) == [void, kept]
    assert ids(xapi.get({"activity": COURSE})) == [void, kept]
    assert ids(xapi.get({"ascending": "true"})) == [kept, void]


def test_voiding_statement_is_returned(xapi):
    """C 2.1.4: statements targeting the voided one are still returned, "This includes the voiding
    Statement"; it is also found by the filters of the statement it voids (C 2.1.3 StatementRef rule)."""
    target = xapi.store(statement(actor=ADA, verb={"id": "http://example.com/verbs/special"}))
    void = xapi.store(voiding(target))
    assert xapi.fetch(void)["object"]["id"] == target
    assert ids(xapi.get({"verb": VOIDED})) == [void]
    assert ids(xapi.get({"verb": "http://example.com/verbs/special"})) == [void]
    assert ids(xapi.get({"agent": orjson.dumps(ADMIN).decode()})) == [void]


def test_statements_targeting_a_voided_statement_are_still_returned(xapi):
    """C 2.1.4, as in the conformance suite: a StatementRef to a voided statement and the voiding
    statement are both found by the voided statement's verb; since/until/limit apply to them."""
    special = "http://example.com/verbs/voided-target"
    target = xapi.store(statement(verb={"id": special}))
    void = xapi.store(voiding(target))
    referrer = xapi.store(statement(verb={"id": special},
                                    object={"objectType": "StatementRef", "id": target}))
    assert ids(xapi.get({"verb": special})) == [referrer, void]
    assert ids(xapi.get({"verb": special, "limit": "1"})) == [referrer]


def test_voiding_before_the_target_arrives_voids_it_on_arrival(xapi):
    """D 2.3.2: a statement is voided if the LRS contains a voiding statement referring to it, whichever
    came first; C 2.1.4 then hides it."""
    target = str(uuid.uuid4())
    void = xapi.store(voiding(target))
    assert xapi.put(statement(actor=ADA), target).status_code == 204
    assert xapi.get({"statementId": target}).status_code == 404
    assert xapi.get({"voidedStatementId": target}).status_code == 200
    assert ids(xapi.get()) == [void]


def test_voiding_and_target_in_one_batch(xapi):
    """D 2.3.2: the target and its voiding statement may arrive together, in either order."""
    first, second = str(uuid.uuid4()), str(uuid.uuid4())
    batch = [statement(id=first), voiding(first), voiding(second), statement(id=second)]
    assert xapi.post(batch).status_code == 200
    for target in (first, second):
        assert xapi.get({"statementId": target}).status_code == 404
        assert xapi.get({"voidedStatementId": target}).status_code == 200
    assert len(ids(xapi.get())) == 2


def test_voiding_a_voiding_statement_is_400(xapi):
    """D 2.3.2: "Any Statement that voids another cannot itself be voided"; the request is rejected."""
    target = xapi.store(statement())
    void = xapi.store(voiding(target))
    response = xapi.post(voiding(void))
    assert response.status_code == 400
    assert response.get_json()["path"] == "$.object.id"
    assert xapi.post([statement(), voiding(void)]).get_json()["path"] == "$[1].object.id"
    assert ids(xapi.get()) == [void]
    assert xapi.fetch(void)["id"] == void


def test_voiding_a_voiding_statement_in_the_same_batch_is_400(xapi):
    """D 2.3.2: also when both arrive in one batch; nothing of the batch is stored."""
    target = xapi.store(statement())
    void = str(uuid.uuid4())
    response = xapi.post([voiding(target, id=void), voiding(void)])
    assert response.status_code == 400
    assert response.get_json()["path"] == "$[1].object.id"
    assert xapi.fetch(target)["id"] == target
    assert xapi.get({"statementId": void}).status_code == 404


def test_voiding_itself_is_400(xapi):
    """D 2.3.2: a voiding statement targeting its own id would void a voiding statement."""
    sid = str(uuid.uuid4())
    assert xapi.post(voiding(sid, id=sid)).status_code == 400


def test_a_voiding_statement_targeted_by_a_later_voiding_is_never_voided(xapi):
    """D 2.3.2: a statement is voided only if it "is not itself a voiding Statement"; a voiding statement
    that arrives after another voiding statement named it stays visible."""
    first_void = str(uuid.uuid4())
    second = xapi.store(voiding(first_void))  # names a statement not yet known
    target = xapi.store(statement())
    assert xapi.post(voiding(target, id=first_void)).status_code == 200
    assert xapi.fetch(first_void)["id"] == first_void
    assert xapi.get({"statementId": target}).status_code == 404
    assert set(ids(xapi.get())) == {first_void, second}


@pytest.mark.parametrize("version", ["1.0.3", "2.0.0"])
def test_voiding_an_unknown_statement_is_accepted(client, credential, version):
    """D 2.3.2 ("SHOULD NOT* reject ... not being present"); 2.0 §2 s58 and checklist 27: → 200."""
    client = XapiClient(client, credential, version=version)
    response = client.post(voiding(str(uuid.uuid4())))
    assert response.status_code == 200
    assert len(ids(client.get())) == 1


def test_voiding_object_must_be_a_statement_ref(xapi):
    """D 2.3.2: the object of a voiding statement MUST be a StatementRef."""
    response = xapi.post(statement(verb={"id": VOIDED}, object={"id": COURSE}))
    assert response.status_code == 400


def test_voided_statement_stays_stored_unchanged(xapi):
    """D 2.3: voiding "does not destroy a Statement"; re-sending the voided statement is no conflict."""
    body = statement(id=str(uuid.uuid4()))
    target = xapi.store(body)
    xapi.store(voiding(target))
    assert xapi.post(body).status_code == 200
    assert xapi.put(body, target).status_code == 204
    assert xapi.get({"statementId": target}).status_code == 404
    assert xapi.get({"voidedStatementId": target}).get_json()["id"] == target


def test_voiding_in_another_tenant_does_not_void(app, client, xapi):
    """A voiding statement voids only a statement of its own tenant."""
    target = xapi.store(statement())
    other = XapiClient(client, issue_credential(app, name="other", tenant="other"))
    assert other.post(voiding(target)).status_code == 200
    assert xapi.fetch(target)["id"] == target
    assert other.get({"voidedStatementId": target}).status_code == 404


def test_voided_statement_with_read_mine(app, client, xapi):
    """statements/read/mine: voidedStatementId finds only this credential's own statements."""
    theirs = xapi.store(statement())
    xapi.store(voiding(theirs))
    mine = XapiClient(client, issue_credential(app, name="mine", scopes=("statements/read/mine",
                                                                          "statements/write")))
    own = mine.store(statement())
    mine.store(voiding(own))
    assert mine.get({"voidedStatementId": theirs}).status_code == 404
    assert mine.get({"voidedStatementId": own}).status_code == 200


@pytest.mark.parametrize("params", [
    {"voidedStatementId": "x"},
    {"voidedStatementId": "00000000-0000-0000-0000-000000000000",
     "statementId": "00000000-0000-0000-0000-000000000000"},
    {"voidedStatementId": "00000000-0000-0000-0000-000000000000", "verb": "http://example.com/v"},
])
def test_bad_voided_statement_id_requests_are_400(xapi, params):
    """C 2.1.3: both ids → 400; an id with a parameter other than attachments or format → 400."""
    assert xapi.get(params).status_code == 400


def test_voided_statement_id_takes_format_and_attachments(xapi):
    """C 2.1.3: voidedStatementId may come with format and attachments."""
    target = xapi.store(statement())
    xapi.store(voiding(target))
    response = xapi.get({"voidedStatementId": target, "format": "ids", "attachments": "false"})
    assert response.status_code == 200
    assert response.get_json()["verb"] == {"id": "http://adlnet.gov/expapi/verbs/completed"}
