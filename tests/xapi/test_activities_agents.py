"""The Activities and Agents resources (Communication 2.4, 2.5), on SQLite and PostgreSQL.

Sections cited are of xAPI 1.0.3 Communication (C) and Data (D), and of the 2.0 changes document (2.0 §3,
checklist item 33); C 4.2 for the "define" scope.
"""

from __future__ import annotations

import hashlib
from urllib.parse import urlencode

import orjson
import pytest
from sqlalchemy import select

from lrs.extensions import db
from lrs.models import Tenant
from lrs.people.directory import import_csv
from tests.conftest import XapiClient, basic, issue_credential, statement

V = "X-Experience-API-Version"
COURSE = "http://example.com/activities/course-1"
ADA = {"objectType": "Agent", "name": "Ada", "mbox": "mailto:ada@example.com"}


def activity(definition: dict | None = None, iri: str = COURSE) -> dict:
    target = {"objectType": "Activity", "id": iri}
    if definition is not None:
        target["definition"] = definition
    return target


def get_activity(xapi: XapiClient, iri: str = COURSE):
    return xapi.request("GET", "activities", params={"activityId": iri})


def definition_of(xapi: XapiClient, iri: str = COURSE) -> dict | None:
    response = get_activity(xapi, iri)
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["objectType"] == "Activity" and body["id"] == iri
    return body.get("definition")


def get_person(xapi: XapiClient, agent: dict):
    return xapi.request("GET", "agents", params={"agent": orjson.dumps(agent).decode()})


@pytest.fixture
def definer(app, client) -> XapiClient:
    """A credential that writes statements and may (re)define activities."""
    return XapiClient(client, issue_credential(app, name="definer", scopes=("statements/write", "define")))


@pytest.fixture
def writer(app, client) -> XapiClient:
    """A credential that writes statements but lacks the define scope."""
    return XapiClient(client, issue_credential(app, name="writer", scopes=("statements/write",)))


def assert_error(response, status: int, path: str | None = None) -> None:
    assert response.status_code == status, response.get_data(as_text=True)
    error = response.get_json()
    assert set(error) == {"error", "detail", "path"} and error["detail"]
    if path is not None:
        assert error["path"] == path


# -- Activities (C 2.5) -------------------------------------------------------------------------------------

@pytest.mark.parametrize("version", ["1.0.3", "2.0.0"])
def test_unknown_activity_is_a_bare_activity_object(client, credential, version):
    """C 2.5 (SHOULD*) and 2.0 s43 (shall; checklist 33): an activity the LRS holds no definition of → 200
    and {"objectType": "Activity", "id": ...}."""
    xapi = XapiClient(client, credential, version)
    response = get_activity(xapi, "http://example.com/never/seen")
    assert response.status_code == 200
    assert response.get_json() == {"objectType": "Activity", "id": "http://example.com/never/seen"}
    assert response.headers["Content-Type"] == "application/json"
    assert response.headers[V] == version


def test_activity_returns_the_definition_from_statements(xapi):
    """C 2.5: the complete Activity object, with the definition the LRS holds from the statements stored."""
    definition = {
        "name": {"en-US": "Course 1"}, "description": {"en-US": "The first course"},
        "type": "http://adlnet.gov/expapi/activities/course", "moreInfo": "http://example.com/course-1",
        "extensions": {"http://example.com/ext/level": 3},
    }
    xapi.store(statement(object=activity(definition)))
    assert get_activity(xapi).get_json() == {"objectType": "Activity", "id": COURSE, "definition": definition}


def test_interaction_definition_is_returned_whole(xapi):
    """C 2.5, D 2.4.4.1: interaction properties are part of the canonical definition."""
    definition = {
        "type": "http://adlnet.gov/expapi/activities/cmi.interaction", "interactionType": "choice",
        "correctResponsesPattern": ["golf"],
        "choices": [{"id": "golf", "description": {"en-US": "Golf"}},
                    {"id": "tetris", "description": {"en-US": "Tetris"}}],
    }
    xapi.store(statement(object=activity(definition)))
    assert definition_of(xapi) == definition


def test_activity_mentioned_without_a_definition_is_bare(xapi):
    """C 2.5: an activity known only by its id has no definition to return."""
    xapi.store(statement(object=activity()))
    assert get_activity(xapi).get_json() == {"objectType": "Activity", "id": COURSE}


def test_define_credential_merges_language_maps(xapi, definer):
    """C 2.5 / C 4.2 define: a statement from a credential with define updates the canonical definition;
    language maps gain languages, a language already there takes the newer text."""
    xapi.store(statement(object=activity({"name": {"en-US": "Course 1"}})))
    definer.store(statement(object=activity({"name": {"fr-FR": "Cours 1"},
                                              "description": {"en-US": "About course 1"}})))
    assert definition_of(xapi) == {"name": {"en-US": "Course 1", "fr-FR": "Cours 1"},
                                   "description": {"en-US": "About course 1"}}
    definer.store(statement(object=activity({"name": {"en-US": "Course One"}})))
    assert definition_of(xapi)["name"] == {"en-US": "Course One", "fr-FR": "Cours 1"}


def test_a_definition_sent_again_unchanged_is_not_written_again(app, xapi, definer, monkeypatch):
    """C 4.2 define: a definition sent again as it is stored is neither merged (its text is compared) nor
    written again; one that adds a language is merged and written."""
    from sqlalchemy import event

    from lrs.xapi import store

    updates: list[str] = []
    merges: list[dict] = []
    merge = store.merge_definition
    monkeypatch.setattr(store, "merge_definition", lambda current, given: merges.append(given) or merge(current, given))

    def record(conn, cursor, sql, *args):
        if sql.lstrip().upper().startswith("UPDATE ACTIVITIES"):
            updates.append(sql)

    given = {"name": {"en-US": "Course 1"}, "type": "http://example.com/types/a"}
    xapi.store(statement(object=activity(given)))
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        definer.store(statement(object=activity(given)))
        definer.post([statement(object=activity(given)), statement(object=activity(dict(given)))])
        assert updates == [] and merges == []
        definer.store(statement(object=activity({**given, "name": {"fr-FR": "Cours 1"}})))
        assert len(updates) == 1 and len(merges) == 1
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert definition_of(xapi) == {"name": {"en-US": "Course 1", "fr-FR": "Cours 1"},
                                   "type": "http://example.com/types/a"}


def test_define_credential_replaces_other_properties(xapi, definer):
    """C 4.2 define: properties that are not language maps are replaced by the newer value."""
    xapi.store(statement(object=activity({"type": "http://example.com/types/a",
                                          "extensions": {"http://example.com/x": 1}})))
    definer.store(statement(object=activity({"type": "http://example.com/types/b",
                                             "extensions": {"http://example.com/y": 2}})))
    assert definition_of(xapi) == {"type": "http://example.com/types/b",
                                   "extensions": {"http://example.com/y": 2}}


def test_all_scope_can_define(xapi):
    """C 4.2: "all" is unrestricted access, define included."""
    xapi.store(statement(object=activity({"name": {"en-US": "Old"}})))
    xapi.store(statement(object=activity({"name": {"en-US": "New"}})))
    assert definition_of(xapi) == {"name": {"en-US": "New"}}


def test_credential_without_define_does_not_change_an_existing_definition(xapi, definer, writer):
    """C 4.2 define: without it "ids will be saved ... but [the LRS] SHOULD NOT update its canonical
    representation"; the statement itself is stored as sent."""
    definer.store(statement(object=activity({"name": {"en-US": "Course 1"}})))
    sid = writer.store(statement(object=activity({"name": {"en-US": "Hijacked", "fr-FR": "Détourné"},
                                                  "description": {"en-US": "Not canonical"},
                                                  "type": "http://example.com/types/other"})))
    assert definition_of(xapi) == {"name": {"en-US": "Course 1"}}
    assert xapi.fetch(sid)["object"]["definition"]["name"]["en-US"] == "Hijacked"


def test_definitions_in_one_batch_apply_in_order(xapi, definer):
    """C 2.1.2 / 4.2: a batch from a define credential updates the definition statement by statement."""
    response = definer.post([statement(object=activity({"name": {"en-US": "First"}})),
                             statement(object=activity({"name": {"en-US": "Second", "de-DE": "Zweite"}}))])
    assert response.status_code == 200
    assert definition_of(xapi) == {"name": {"en-US": "Second", "de-DE": "Zweite"}}


def test_context_and_substatement_activities_are_recorded(xapi):
    """C 2.5: activities named in context activities and in a SubStatement are activities the LRS knows."""
    parent = "http://example.com/activities/programme"
    inner = "http://example.com/activities/inner"
    sub = {"objectType": "SubStatement", "actor": ADA,
           "verb": {"id": "http://adlnet.gov/expapi/verbs/attempted"},
           "object": activity({"name": {"en-US": "Inner"}}, inner)}
    xapi.store(statement(object=sub, context={"contextActivities": {
        "parent": [activity({"name": {"en-US": "Programme"}}, parent)]}}))
    assert definition_of(xapi, parent) == {"name": {"en-US": "Programme"}}
    assert definition_of(xapi, inner) == {"name": {"en-US": "Inner"}}


def test_activities_of_another_tenant_are_not_seen(app, client, xapi):
    """Tenancy: another tenant's definitions never show; to it the activity is unknown."""
    xapi.store(statement(object=activity({"name": {"en-US": "Course 1"}})))
    stranger = XapiClient(client, issue_credential(app, name="stranger", tenant="other"))
    assert get_activity(stranger).get_json() == {"objectType": "Activity", "id": COURSE}


def test_activities_head_is_get_without_body(xapi):
    """C 1.1: HEAD answers like GET without the body."""
    xapi.store(statement(object=activity({"name": {"en-US": "Course 1"}})))
    head = xapi.request("HEAD", "activities", params={"activityId": COURSE})
    got = get_activity(xapi)
    assert head.status_code == 200 and head.data == b""
    assert head.headers["Content-Type"] == got.headers["Content-Type"]
    assert head.headers[V] == got.headers[V]


def test_activities_alternate_syntax(xapi):
    """C 1.3: GET through POST ?method=GET with the parameters and headers as form fields."""
    form = {"activityId": COURSE, "Authorization": basic(xapi.credential), V: "1.0.3"}
    response = xapi.client.post("/xapi/activities?method=GET", data=urlencode(form),
                                content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    assert response.get_json() == {"objectType": "Activity", "id": COURSE}


@pytest.mark.parametrize("params, path", [
    ({}, "activityId"),
    ({"activityId": "course 1"}, "activityId"),
    ({"activityId": "not-an-iri"}, "activityId"),
    ({"activityId": ""}, "activityId"),
    ({"activityId": COURSE, "agent": orjson.dumps(ADA).decode()}, "agent"),
    ({"activityID": COURSE}, "activityID"),
    ({"ActivityId": COURSE}, "ActivityId"),
])
def test_activities_bad_parameters_are_400(xapi, params, path):
    """C 2.5 (activityId required, an IRI); C 3.2: unknown parameters and ones differing in case → 400."""
    assert_error(xapi.request("GET", "activities", params=params), 400, path)


def test_activities_only_answers_get(xapi):
    """C 2.5: the resource has GET (and HEAD) only."""
    for method in ("PUT", "POST", "DELETE"):
        response = xapi.request(method, "activities", params={"activityId": COURSE}, json={})
        assert response.status_code == 405


@pytest.mark.parametrize("scopes, status", [
    (("statements/write",), 403), (("statements/read/mine",), 403),
    (("all/read",), 200), (("statements/read",), 200), (("define",), 200), (("all",), 200),
])
def test_activities_scopes(app, client, scopes, status):
    """C 3.2 / 4.2: reading activities needs a read scope; a write-only credential → 403."""
    reader = XapiClient(client, issue_credential(app, name="reader", scopes=scopes))
    response = get_activity(reader)
    assert response.status_code == status
    if status == 403:
        assert_error(response, 403, "Authorization")


# -- Agents (C 2.4) -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("agent, person", [
    (ADA, {"objectType": "Person", "name": ["Ada"], "mbox": ["mailto:ada@example.com"]}),
    ({"mbox": "mailto:noname@example.com"}, {"objectType": "Person", "mbox": ["mailto:noname@example.com"]}),
    ({"objectType": "Agent", "mbox_sha1sum": hashlib.sha1(b"mailto:ada@example.com").hexdigest()},
     {"objectType": "Person", "mbox_sha1sum": [hashlib.sha1(b"mailto:ada@example.com").hexdigest()]}),
    ({"openid": "http://openid.example.com/ada", "name": "Ada"},
     {"objectType": "Person", "name": ["Ada"], "openid": ["http://openid.example.com/ada"]}),
    ({"account": {"homePage": "http://example.com", "name": "ada"}},
     {"objectType": "Person", "account": [{"homePage": "http://example.com", "name": "ada"}]}),
], ids=["mbox", "no-name", "sha1", "openid", "account"])
def test_agents_returns_a_person_with_arrays(xapi, agent, person):
    """C 2.4: a Person object, each property an array; with nothing more known, only what was asked for."""
    response = get_person(xapi, agent)
    assert response.status_code == 200
    assert response.get_json() == person
    assert response.headers["Content-Type"] == "application/json"


@pytest.mark.parametrize("version", ["1.0.3", "2.0.0"])
def test_agents_for_an_agent_never_seen_is_still_a_person(client, credential, version):
    """C 2.4: "MUST still return a Person Object" for an agent the LRS has no knowledge of."""
    xapi = XapiClient(client, credential, version)
    response = get_person(xapi, {"mbox": "mailto:stranger@example.com"})
    assert response.status_code == 200
    assert response.get_json() == {"objectType": "Person", "mbox": ["mailto:stranger@example.com"]}
    assert response.headers[V] == version


def _directory(app, tenant: str, csv: str) -> None:
    with app.app_context():
        tenant_id = db.session.scalar(select(Tenant.id).where(Tenant.name == tenant))
        import_csv(db.session, tenant_id, csv, dry_run=False)
        db.session.commit()


PEOPLE = ("employee_id,name,email,identities,github\n"
          "e1,Ada Lovelace,ada@example.com,account:http://lms.example.com|ada42,adal\n")


def test_agents_combines_the_people_directory_identities(app, xapi):
    """C 2.4: the Person gathers what the directory knows of the person behind the agent: every identity
    and the name, the requested agent first."""
    _directory(app, "default", PEOPLE)
    response = get_person(xapi, {"account": {"homePage": "http://lms.example.com", "name": "ada42"},
                                 "name": "ada42"})
    assert response.get_json() == {
        "objectType": "Person",
        "name": ["ada42", "Ada Lovelace"],
        "mbox": ["mailto:ada@example.com"],
        "account": [{"homePage": "http://lms.example.com", "name": "ada42"},
                    {"homePage": "https://github.com", "name": "adal"}],
    }


def test_agents_lists_each_identity_once(app, xapi):
    """C 2.4: each value once: the requested mbox, also known to the directory, is listed a single time."""
    _directory(app, "default", PEOPLE)
    person = get_person(xapi, {"mbox": "mailto:ada@example.com", "name": "Ada Lovelace"}).get_json()
    assert person["mbox"] == ["mailto:ada@example.com"]
    assert person["name"] == ["Ada Lovelace"]
    assert len(person["account"]) == 2


def test_agents_directory_needs_explicit_permission(app, client):
    """C 2.4: other identities need increased, explicitly given permission ("all" or "all/read"); a narrower
    reader gets the Person of the requested agent alone."""
    narrow = XapiClient(client, issue_credential(app, name="narrow", scopes=("statements/read",)))
    broad = XapiClient(client, issue_credential(app, name="broad", scopes=("all/read",)))
    _directory(app, "default", PEOPLE)
    assert get_person(narrow, {"mbox": "mailto:ada@example.com"}).get_json() == {
        "objectType": "Person", "mbox": ["mailto:ada@example.com"]}
    assert len(get_person(broad, {"mbox": "mailto:ada@example.com"}).get_json()["account"]) == 2


def test_agents_directory_of_another_tenant_is_not_used(app, client, xapi):
    """Tenancy: the people directory of another tenant never shows."""
    issue_credential(app, name="other", tenant="other")
    _directory(app, "other", PEOPLE)
    assert get_person(xapi, {"mbox": "mailto:ada@example.com"}).get_json() == {
        "objectType": "Person", "mbox": ["mailto:ada@example.com"]}


@pytest.mark.parametrize("params, path", [
    ({}, "agent"),
    ({"agent": "ada@example.com"}, "agent"),
    ({"agent": "[]"}, "agent"),
    ({"agent": '{"name": "Ada"}'}, "agent"),
    ({"agent": '{"mbox": "mailto:a@example.com", "openid": "http://a.example.com"}'}, "agent"),
    ({"agent": '{"objectType": "Group", "mbox": "mailto:team@example.com"}'}, "agent.objectType"),
    ({"agent": '{"objectType": "Group", "member": [{"mbox": "mailto:a@example.com"}]}'}, "agent.objectType"),
    ({"agent": '{"objectType": "Person", "mbox": ["mailto:a@example.com"]}'}, "agent.objectType"),
    ({"agent": '{"mbox": "ada@example.com"}'}, "agent.mbox"),
    ({"agent": orjson.dumps(ADA).decode(), "profileId": "x"}, "profileId"),
    ({"Agent": orjson.dumps(ADA).decode()}, "Agent"),
])
def test_agents_bad_parameters_are_400(xapi, params, path):
    """C 2.4: agent is required, an Agent object (JSON) with exactly one identifier, not a Group or Person;
    C 3.2: unknown parameters and ones differing in case → 400."""
    assert_error(xapi.request("GET", "agents", params=params), 400, path)


@pytest.mark.parametrize("scopes, status", [
    (("statements/write",), 403), (("all/read",), 200), (("statements/read",), 200), (("all",), 200),
])
def test_agents_scopes(app, client, scopes, status):
    """C 2.4 / 3.2: a credential without a read scope → 403 Forbidden."""
    reader = XapiClient(client, issue_credential(app, name="reader", scopes=scopes))
    response = get_person(reader, ADA)
    assert response.status_code == status
    if status == 403:
        assert_error(response, 403, "Authorization")


def test_agents_head_is_get_without_body(xapi):
    """C 1.1: HEAD answers like GET without the body."""
    head = xapi.request("HEAD", "agents", params={"agent": orjson.dumps(ADA).decode()})
    assert head.status_code == 200 and head.data == b""
    assert head.headers["Content-Type"] == "application/json"
    assert head.headers[V] == "1.0.3"


def test_agents_without_credentials_is_401(client):
    """C 4.0: no credentials → 401."""
    response = client.get("/xapi/agents", query_string={"agent": orjson.dumps(ADA).decode()},
                          headers={V: "1.0.3"})
    assert_error(response, 401, "Authorization")
