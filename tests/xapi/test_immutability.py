"""Statement immutability (Data 2.3.1) through PUT and POST (Communication 2.1.1, 2.1.2), and batches.

Sections cited are of xAPI 1.0.3 Communication (C) and Data (D), and of the 2.0 changes document (2.0 §...).
"""

from __future__ import annotations

import copy
import threading
import uuid

import pytest

from tests.conftest import XapiClient, issue_credential, statement

ADA = {"objectType": "Agent", "name": "Ada", "mbox": "mailto:ada@example.com"}
BOB = {"objectType": "Agent", "name": "Bob", "mbox": "mailto:bob@example.com"}
QUIZ = "http://example.com/activities/quiz"


def everything(xapi: XapiClient) -> list[dict]:
    response = xapi.get({"limit": "0"})
    assert response.status_code == 200
    return response.get_json()["statements"]


def full_statement(sid: str) -> dict:
    """A statement using most properties, each a place where a false conflict could hide."""
    return statement(
        id=sid,
        actor={"objectType": "Group", "name": "Pair", "member": [ADA, BOB]},
        timestamp="2020-02-03T04:05:06.789Z",
        result={"score": {"scaled": 0.5, "raw": 5, "min": 0, "max": 10}, "success": True,
                "duration": "PT1M30S", "extensions": {"http://example.com/r": {"x": 1}}},
        context={"registration": str(uuid.uuid4()), "instructor": {"mbox": "mailto:teacher@example.com"},
                 "contextActivities": {"parent": [{"id": QUIZ}]}, "language": "en-US",
                 "statement": {"objectType": "StatementRef", "id": str(uuid.uuid4())}})


# -- same id, same content (C 2.1.1, 2.1.2: "MUST NOT make any modifications") -------------------------------

def test_put_same_statement_again_is_204_and_changes_nothing(xapi):
    """C 2.1.1: the same statement again → 204 and nothing changes (stored stays the first one)."""
    sid = str(uuid.uuid4())
    body = full_statement(sid)
    assert xapi.put(body, sid).status_code == 204
    first = xapi.fetch(sid)
    assert xapi.put(body, sid).status_code == 204
    assert xapi.fetch(sid) == first
    assert len(everything(xapi)) == 1


def test_post_same_statement_again_is_200_and_changes_nothing(xapi):
    """C 2.1.2: POSTing a stored statement again answers its id and stores nothing new."""
    sid = str(uuid.uuid4())
    body = full_statement(sid)
    assert xapi.post(body).get_json() == [sid]
    first = xapi.fetch(sid)
    response = xapi.post([body, statement()])
    assert response.status_code == 200
    assert response.get_json()[0] == sid
    assert xapi.fetch(sid) == first
    assert len(everything(xapi)) == 2


def test_post_then_put_without_timestamp_is_no_conflict(xapi):
    """D 2.3.1: a timestamp the LRS filled in ("assignments of properties during LRS processing") is no
    difference when the same statement, still without timestamp, is sent again (as the CTS does)."""
    body = statement(id=str(uuid.uuid4()))
    xapi.store(body)
    assert xapi.put(body, body["id"]).status_code == 204
    assert xapi.post(body).status_code == 200


def test_same_statement_from_another_credential_is_no_conflict(app, client, xapi):
    """D 2.3.1: authority is set by the LRS, so a different authority is no difference."""
    body = statement(id=str(uuid.uuid4()))
    xapi.store(body)
    other = XapiClient(client, issue_credential(app, name="other"))
    assert other.post(body).status_code == 200
    assert xapi.fetch(body["id"])["authority"]["account"]["name"] == xapi.credential.key


def test_repeat_does_not_change_the_canonical_activity_definition(xapi):
    """C 2.1.1: on a repeated id the LRS "MUST NOT modify the Statement or any other Object"."""
    sid = str(uuid.uuid4())
    xapi.store(statement(id=sid, object={"id": QUIZ, "definition": {"name": {"en-US": "First"}}}))
    assert xapi.post(statement(id=sid, object={"id": QUIZ, "definition": {"name": {"en-US": "Second"}}})
                     ).status_code == 200
    assert xapi.fetch(sid, format="canonical")["object"]["definition"] == {"name": {"en-US": "First"}}


# -- allowed differences (D 2.3.1 exceptions) ----------------------------------------------------------------

ALLOWED = {
    "timestamp_in_another_zone": lambda s: s.update(timestamp="2020-02-03T06:05:06.789+02:00"),
    "timestamp_with_more_digits": lambda s: s.update(timestamp="2020-02-03T04:05:06.789000Z"),
    "group_member_order": lambda s: s["actor"]["member"].reverse(),
    "mbox_domain_case": lambda s: s["actor"]["member"][0].update(mbox="mailto:ada@EXAMPLE.COM"),
    "verb_display": lambda s: s["verb"].update(display={"fr-FR": "a terminé"}),
    "verb_display_absent": lambda s: s["verb"].pop("display"),
    "activity_definition": lambda s: s["object"].update(definition={"name": {"en-US": "Renamed"}}),
    "registration_case": lambda s: s["context"].update(registration=s["context"]["registration"].upper()),
    "statement_ref_case": lambda s: s["context"]["statement"].update(
        id=s["context"]["statement"]["id"].upper()),
    "language_tag_case": lambda s: s["object"]["definition"].update(name={"EN-us": "Course 1"}),
    "authority_and_stored": lambda s: s.update(stored="2001-01-01T00:00:00Z",
                                              authority={"mbox": "mailto:someone@example.com"}),
    "version_1_0_x": lambda s: s.update(version="1.0.0"),
    "id_case": lambda s: s.update(id=s["id"].upper()),
    "integral_number_as_float": lambda s: s["result"]["score"].update(raw=5.0),
    "single_context_activity": lambda s: s["context"]["contextActivities"].update(parent={"id": QUIZ}),
}


@pytest.mark.parametrize("change", sorted(ALLOWED))
def test_allowed_differences_are_not_conflicts(xapi, change):
    """D 2.3.1 "Statement Comparison Requirements": differences that could have been caused by the
    exceptions to immutability MUST be ignored (→ 204 on PUT, 200 on POST), and nothing changes."""
    sid = str(uuid.uuid4())
    body = full_statement(sid)
    assert xapi.put(body, sid).status_code == 204
    first = xapi.fetch(sid)
    again = copy.deepcopy(body)
    ALLOWED[change](again)
    assert xapi.put(again, sid).status_code == 204, xapi.put(again, sid).get_json()
    assert xapi.post(again).status_code == 200
    assert xapi.fetch(sid) == first


# -- real differences (D 2.3.1: "MUST not be ignored"; C 2.1.1 → 409) ----------------------------------------

DIFFERENT = {
    "verb_id": lambda s: s["verb"].update(id="http://example.com/verbs/other"),
    "actor_member": lambda s: s["actor"]["member"].pop(),
    "mbox_local_part_case": lambda s: s["actor"]["member"][0].update(mbox="mailto:ADA@example.com"),
    "timestamp_instant": lambda s: s.update(timestamp="2020-02-03T04:05:07.789Z"),
    "result_duration_serialisation": lambda s: s["result"].update(duration="PT90S"),
    "result_added": lambda s: s["result"].update(completion=True),
    "result_removed": lambda s: s.pop("result"),
    "object_id": lambda s: s["object"].update(id="http://example.com/activities/other"),
    "context_language": lambda s: s["context"].update(language="en-GB"),
    "extension_value": lambda s: s["result"]["extensions"].update({"http://example.com/r": {"x": 2}}),
    "extension_key_case": lambda s: s["result"].update(extensions={"http://example.com/R": {"x": 1}}),
    "group_name": lambda s: s["actor"].update(name="Trio"),
}


@pytest.mark.parametrize("change", sorted(DIFFERENT))
def test_different_content_is_409_on_put_and_post(xapi, change):
    """C 2.1.1 and 2.1.2: same id, different content → 409 Conflict, and the stored one is unchanged."""
    sid = str(uuid.uuid4())
    body = full_statement(sid)
    assert xapi.put(body, sid).status_code == 204
    first = xapi.fetch(sid)
    changed = copy.deepcopy(body)
    DIFFERENT[change](changed)
    put = xapi.put(changed, sid)
    assert put.status_code == 409
    assert put.get_json()["error"] == "conflict"
    assert xapi.post(changed).status_code == 409
    assert xapi.fetch(sid) == first


def test_timestamp_sent_later_for_a_statement_stored_without_one_is_409(xapi):
    """D 2.3.1: a timestamp is part of the statement; the LRS-set one is only ignored when absent."""
    body = statement(id=str(uuid.uuid4()))
    xapi.store(body)
    assert xapi.post({**body, "timestamp": "2001-01-01T00:00:00Z"}).status_code == 409


def test_conflict_in_a_batch_stores_nothing(xapi):
    """C 2.1.2: one conflicting statement fails the whole batch (409), and the others are not stored."""
    sid = xapi.store(statement(id=str(uuid.uuid4())))
    fresh = statement(id=str(uuid.uuid4()))
    response = xapi.post([fresh, statement(id=sid, verb={"id": "http://example.com/verbs/other"})])
    assert response.status_code == 409
    assert response.get_json()["path"] == "$[1]"
    assert xapi.get({"statementId": fresh["id"]}).status_code == 404


# -- batches (C 2.1.2; 2.0 §3 s37; interop notes) ------------------------------------------------------------

def test_batch_with_duplicate_ids_is_400_and_stores_nothing(xapi):
    """C 2.1.1/2.1.2, 2.0 checklist 28: two statements with one id in a batch → 400, nothing stored."""
    sid = str(uuid.uuid4())
    response = xapi.post([statement(), statement(id=sid), statement(id=sid.upper())])
    assert response.status_code == 400
    assert response.get_json()["path"] == "$[2].id"
    assert everything(xapi) == []


def test_batch_with_identical_duplicates_is_400_too(xapi):
    """2.0 s37: the same id twice is rejected even when both statements are equal."""
    body = statement(id=str(uuid.uuid4()))
    assert xapi.post([body, body]).status_code == 400
    assert everything(xapi) == []


def test_batch_with_one_bad_statement_stores_nothing(xapi):
    """Interop notes (Moodle): one bad statement fails the whole batch with a 400 naming it."""
    good = [statement(id=str(uuid.uuid4())) for _ in range(3)]
    bad = statement(verb={"id": "not an iri"})
    response = xapi.post([good[0], good[1], bad, good[2]])
    assert response.status_code == 400
    assert response.get_json()["path"].startswith("$[2]")
    assert everything(xapi) == []


def test_batch_with_a_bad_voiding_statement_stores_nothing(xapi):
    """D 2.3.2 with C 2.1.2: a batch whose voiding statement targets a voiding statement stores nothing,
    not even the statements before it or the activities they define."""
    target = xapi.store(statement())
    void = xapi.store(statement(verb={"id": "http://adlnet.gov/expapi/verbs/voided"},
                                object={"objectType": "StatementRef", "id": target}))
    fresh = statement(id=str(uuid.uuid4()), object={"id": "http://example.com/new",
                                                    "definition": {"name": {"en-US": "New"}}})
    bad = statement(verb={"id": "http://adlnet.gov/expapi/verbs/voided"},
                    object={"objectType": "StatementRef", "id": void})
    assert xapi.post([fresh, bad]).status_code == 400
    assert xapi.get({"statementId": fresh["id"]}).status_code == 404
    assert [s["id"] for s in everything(xapi)] == [void]


def test_put_id_must_match_the_statement_id(xapi):
    """C 2.1.1: "Where provided, the id property of the Statement MUST match the statementId parameter"."""
    sid = str(uuid.uuid4())
    assert xapi.put(statement(id=str(uuid.uuid4())), sid).status_code == 400
    assert xapi.put(statement(id=sid.upper()), sid).status_code == 204


# -- concurrency (interop notes, "Under load") ---------------------------------------------------------------

def test_concurrent_posts_of_the_same_statement_store_it_once(app, xapi):
    """C 2.1.2 under concurrency: racing senders of the same id all succeed; one statement is stored."""
    credential = issue_credential(app, name="racer")
    body = full_statement(str(uuid.uuid4()))
    statuses: list[int] = []
    barrier = threading.Barrier(6)

    def run() -> None:
        racer = XapiClient(app.test_client(), credential)
        barrier.wait()
        statuses.append(racer.post([body, statement()]).status_code)

    threads = [threading.Thread(target=run) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert statuses == [200] * 6
    assert len(everything(xapi)) == 7


def test_concurrent_conflicting_posts_store_one_and_reject_the_rest(app, xapi):
    """C 2.1.2: of racing different statements with one id, one is stored and the others get 409."""
    credential = issue_credential(app, name="racer")
    sid = str(uuid.uuid4())
    statuses: list[int] = []
    barrier = threading.Barrier(5)

    def run(index: int) -> None:
        racer = XapiClient(app.test_client(), credential)
        barrier.wait()
        statuses.append(racer.post(statement(id=sid, result={"response": str(index)})).status_code)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(statuses) == [200] + [409] * 4
    assert len(everything(xapi)) == 1
