"""GET /statements as a query: every filter, the StatementRef rule, paging with ``more``, headers, tenancy.

Sections cited are of xAPI 1.0.3 Communication (C) and Data (D), and of the 2.0 changes document (2.0 §...).
"""

from __future__ import annotations

import threading
import time
import uuid
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import parse_qs, urlsplit

import orjson
import pytest

from lrs.xapi import formats
from tests.conftest import XapiClient, issue_credential, statement

ADA = {"objectType": "Agent", "name": "Ada", "mbox": "mailto:ada@example.com"}
BOB = {"objectType": "Agent", "name": "Bob", "mbox": "mailto:bob@example.com"}
CY = {"objectType": "Agent", "account": {"homePage": "http://example.com/ids", "name": "cy"}}
DEE = {"objectType": "Agent", "mbox_sha1sum": "a" * 40}
EVE = {"objectType": "Agent", "openid": "http://example.com/openid/eve"}
TEAM = {"objectType": "Group", "name": "Team", "mbox": "mailto:team@example.com", "member": [BOB, CY]}
ANON = {"objectType": "Group", "member": [DEE, EVE]}
COMPLETED = "http://adlnet.gov/expapi/verbs/completed"
ATTEMPTED = "http://adlnet.gov/expapi/verbs/attempted"
COURSE = "http://example.com/activities/course-1"
LESSON = "http://example.com/activities/lesson-1"
QUIZ = "http://example.com/activities/quiz-1"
CONSISTENT = "X-Experience-API-Consistent-Through"


def verb(iri: str = COMPLETED) -> dict:
    return {"id": iri, "display": {"en-US": iri.rsplit("/", 1)[-1]}}


def activity(iri: str = COURSE) -> dict:
    return {"objectType": "Activity", "id": iri}


def ref(statement_id: str) -> dict:
    return {"objectType": "StatementRef", "id": statement_id}


def ids(response) -> list[str]:
    assert response.status_code == 200, response.get_data(as_text=True)
    return [s["id"] for s in response.get_json()["statements"]]


def query(xapi: XapiClient, **params) -> list[str]:
    encoded = {k: orjson.dumps(v).decode() if isinstance(v, dict) else v for k, v in params.items()}
    return ids(xapi.get(encoded))


def store_apart(xapi: XapiClient, body) -> str:
    """Store one statement at least a millisecond after the previous one (``stored`` has milliseconds)."""
    time.sleep(0.003)
    return xapi.store(body)


# -- agent (C 2.1.3, "agent") --------------------------------------------------------------------------------

def test_agent_matches_actor_and_object(xapi):
    """C 2.1.3 agent: the Agent is the Actor or the Object of the statement."""
    as_actor = xapi.store(statement(actor=ADA))
    as_object = xapi.store(statement(actor=BOB, object=ADA))
    xapi.store(statement(actor=BOB))
    assert set(query(xapi, agent=ADA)) == {as_actor, as_object}


@pytest.mark.parametrize("who", [ADA, CY, DEE, EVE], ids=["mbox", "account", "mbox_sha1sum", "openid"])
def test_agent_matches_by_each_kind_of_identifier(xapi, who):
    """C 2.1.3 agent; D 2.4.2.3: agents are equal when the same IFI has the same value."""
    sid = xapi.store(statement(actor=who))
    xapi.store(statement(actor=BOB))
    identifier = {k: v for k, v in who.items() if k != "name"}
    assert query(xapi, agent={"objectType": "Agent", **identifier}) == [sid]


def test_agent_name_does_not_matter(xapi):
    """C 2.1.3 agent: only the inverse functional identifier is compared."""
    sid = xapi.store(statement(actor=ADA))
    assert query(xapi, agent={"mbox": "mailto:ada@example.com", "name": "Someone Else"}) == [sid]


def test_agent_mbox_domain_is_case_insensitive(xapi):
    """D 2.3.1: the domain of an e-mail address is case-insensitive."""
    sid = xapi.store(statement(actor={"mbox": "mailto:ada@EXAMPLE.com"}))
    assert query(xapi, agent={"mbox": "mailto:ada@example.COM"}) == [sid]
    assert query(xapi, agent={"mbox": "mailto:ADA@example.com"}) == []


def test_agent_mbox_sha1sum_is_case_insensitive(xapi):
    """A hex digest names the same value in either case."""
    sid = xapi.store(statement(actor={"mbox_sha1sum": "ab" * 20}))
    assert query(xapi, agent={"mbox_sha1sum": "AB" * 20}) == [sid]


def test_agent_matches_group_members(xapi):
    """C 2.1.3 agent: Groups with a member matching the Agent are a match (actor or object)."""
    identified = xapi.store(statement(actor=TEAM))
    anonymous = xapi.store(statement(actor=ANON))
    group_object = xapi.store(statement(actor=ADA, object=TEAM))
    assert set(query(xapi, agent=BOB)) == {identified, group_object}
    assert query(xapi, agent=EVE) == [anonymous]


def test_agent_identified_group_matches_by_its_identifier(xapi):
    """C 2.1.3 agent: an Identified Group is matched by its IFI, whatever its members."""
    sid = xapi.store(statement(actor=TEAM))
    xapi.store(statement(actor=BOB))
    assert query(xapi, agent={"objectType": "Group", "mbox": "mailto:team@example.com"}) == [sid]
    other_members = {"objectType": "Group", "mbox": "mailto:team@example.com", "member": [ADA]}
    assert query(xapi, agent=other_members) == [sid]


def test_agent_anonymous_group_is_400(xapi):
    """C 2.1.3 agent: "Agent or Identified Group Object"; an anonymous group cannot be a filter."""
    response = xapi.get({"agent": orjson.dumps(ANON).decode()})
    assert response.status_code == 400


@pytest.mark.parametrize("value", ["not json", '{"name": "no ifi"}', "[]",
                                   '{"mbox": "mailto:a@example.com", "openid": "http://x.example"}'])
def test_agent_that_is_not_an_agent_is_400(xapi, value):
    """C 2.1.3: agent is an Agent or Identified Group as JSON."""
    assert xapi.get({"agent": value}).status_code == 400


def test_agent_does_not_match_context_or_authority_without_related_agents(xapi):
    """C 2.1.3 agent: only actor and object; instructor, team and authority need related_agents."""
    xapi.store(statement(actor=BOB, context={"instructor": ADA}))
    assert query(xapi, agent=ADA) == []


# -- related_agents (C 2.1.3; 2.0 §3 "Other resources and queries") ------------------------------------------

def test_related_agents_matches_instructor_team_and_authority(xapi):
    """C 2.1.3 related_agents: Actor, Object, Authority, Instructor, Team."""
    instructor = xapi.store(statement(actor=BOB, context={"instructor": ADA}))
    team = xapi.store(statement(actor=EVE, context={"team": TEAM}))
    xapi.store(statement(actor=EVE))
    assert query(xapi, agent=ADA, related_agents="true") == [instructor]
    assert query(xapi, agent=CY, related_agents="true") == [team]
    authority = {"account": {"homePage": "http://localhost", "name": xapi.credential.key}}
    assert len(query(xapi, agent=authority, related_agents="true")) == 3
    assert query(xapi, agent=authority) == []


def test_related_agents_matches_inside_a_substatement(xapi):
    """C 2.1.3 related_agents: "or any of these properties in a contained SubStatement"."""
    sub = {"objectType": "SubStatement", "actor": ADA, "verb": verb(), "object": CY,
           "context": {"instructor": DEE, "team": {"objectType": "Group", "member": [EVE]}}}
    sid = xapi.store(statement(actor=BOB, object=sub))
    for who in (ADA, CY, DEE, EVE):
        assert query(xapi, agent=who, related_agents="true") == [sid]
        assert query(xapi, agent=who) == []
    assert query(xapi, agent=BOB) == [sid]


def test_related_agents_2_0_context_agents_and_groups(xapi2):
    """2.0 §3 / checklist 18–19: related_agents also matches contextAgents[].agent and contextGroups[].group,
    also in a SubStatement; a plain agent filter does not."""
    context = {"contextAgents": [{"objectType": "contextAgent", "agent": ADA,
                                  "relevantTypes": ["http://example.com/types/coach"]}],
               "contextGroups": [{"objectType": "contextGroup", "group": TEAM}]}
    top = xapi2.store(statement(actor=EVE, context=context))
    sub = {"objectType": "SubStatement", "actor": EVE, "verb": verb(), "object": activity(),
           "context": {"contextAgents": [{"objectType": "contextAgent", "agent": DEE}]}}
    inner = xapi2.store(statement(actor=EVE, object=sub))
    assert query(xapi2, agent=ADA, related_agents="true") == [top]
    assert query(xapi2, agent={"objectType": "Group", "mbox": "mailto:team@example.com"},
                 related_agents="true") == [top]
    assert query(xapi2, agent=CY, related_agents="true") == [top]  # a member of the context group
    assert query(xapi2, agent=DEE, related_agents="true") == [inner]
    assert query(xapi2, agent=ADA) == []
    assert query(xapi2, agent=DEE) == []


# -- verb, activity, registration, related_activities (C 2.1.3) ----------------------------------------------

def test_verb_filter(xapi):
    """C 2.1.3 verb: statements whose Verb id is the given IRI."""
    done = xapi.store(statement(verb=verb(COMPLETED)))
    xapi.store(statement(verb=verb(ATTEMPTED)))
    assert query(xapi, verb=COMPLETED) == [done]
    assert query(xapi, verb="http://example.com/never") == []


def test_verb_filter_is_exact(xapi):
    """IRIs compare as strings: no prefix or case folding."""
    xapi.store(statement(verb=verb(COMPLETED)))
    assert query(xapi, verb=COMPLETED.upper().replace("HTTP", "http")) == []
    assert query(xapi, verb=COMPLETED[:-1]) == []


def test_activity_filter_matches_the_object_only(xapi):
    """C 2.1.3 activity: the Object is an Activity with the id; context activities need related_activities."""
    as_object = xapi.store(statement(object=activity(COURSE)))
    in_context = xapi.store(statement(object=activity(LESSON),
                                      context={"contextActivities": {"parent": [activity(COURSE)]}}))
    assert query(xapi, activity=COURSE) == [as_object]
    assert set(query(xapi, activity=COURSE, related_activities="true")) == {as_object, in_context}


@pytest.mark.parametrize("kind", ["parent", "grouping", "category", "other"])
def test_related_activities_matches_every_context_activity_kind(xapi, kind):
    """C 2.1.3 related_activities: "any of the context Activities"."""
    sid = xapi.store(statement(object=activity(LESSON),
                               context={"contextActivities": {kind: [activity(QUIZ)]}}))
    assert query(xapi, activity=QUIZ, related_activities="true") == [sid]
    assert query(xapi, activity=QUIZ) == []


def test_related_activities_matches_inside_a_substatement(xapi):
    """C 2.1.3 related_activities: "or any of those properties in a contained SubStatement"."""
    sub = {"objectType": "SubStatement", "actor": ADA, "verb": verb(), "object": activity(QUIZ),
           "context": {"contextActivities": {"grouping": [activity(COURSE)]}}}
    sid = xapi.store(statement(object=sub))
    assert query(xapi, activity=QUIZ, related_activities="true") == [sid]
    assert query(xapi, activity=COURSE, related_activities="true") == [sid]
    assert query(xapi, activity=QUIZ) == []


def test_registration_filter(xapi):
    """C 2.1.3 registration: statements with that context.registration (UUIDs compare case-insensitively)."""
    registration = str(uuid.uuid4())
    sid = xapi.store(statement(context={"registration": registration.upper()}))
    xapi.store(statement(context={"registration": str(uuid.uuid4())}))
    xapi.store(statement())
    assert query(xapi, registration=registration) == [sid]
    assert query(xapi, registration=registration.upper()) == [sid]


@pytest.mark.parametrize("params", [{"verb": "not an iri"}, {"activity": "no scheme"},
                                    {"registration": "not-a-uuid"}, {"since": "yesterday"},
                                    {"until": "2020-13-45T00:00:00Z"}, {"limit": "-1"}, {"limit": "ten"},
                                    {"ascending": "yes"}, {"related_agents": "1"}, {"format": "full"},
                                    {"unknown": "x"}, {"Verb": COMPLETED}])
def test_bad_query_parameters_are_400(xapi, params):
    """C 2.1.3 parameter types; 2.0 §3: unknown parameters, or ones differing only in case, are 400."""
    response = xapi.get(params)
    assert response.status_code == 400
    assert response.headers["X-Experience-API-Version"]


def test_filters_combine_with_and(xapi):
    """C 2.1.3: each given filter narrows the result."""
    registration = str(uuid.uuid4())
    wanted = xapi.store(statement(actor=ADA, verb=verb(COMPLETED), object=activity(COURSE),
                                  context={"registration": registration}))
    xapi.store(statement(actor=ADA, verb=verb(ATTEMPTED), object=activity(COURSE),
                         context={"registration": registration}))
    xapi.store(statement(actor=BOB, verb=verb(COMPLETED), object=activity(COURSE),
                         context={"registration": registration}))
    xapi.store(statement(actor=ADA, verb=verb(COMPLETED), object=activity(LESSON),
                         context={"registration": registration}))
    xapi.store(statement(actor=ADA, verb=verb(COMPLETED), object=activity(COURSE)))
    assert query(xapi, agent=ADA, verb=COMPLETED, activity=COURSE, registration=registration) == [wanted]
    assert len(query(xapi, agent=ADA, verb=COMPLETED)) == 3
    assert len(query(xapi, verb=COMPLETED, activity=COURSE)) == 3


def test_no_match_is_200_with_an_empty_result(xapi):
    """C 2.1.3: no match still answers 200 and a StatementResult with an empty array."""
    xapi.store(statement())
    response = xapi.get({"verb": "http://example.com/nothing"})
    assert response.status_code == 200
    assert response.get_json() == {"statements": [], "more": ""}


# -- since, until, ascending, order (C 2.1.3) ----------------------------------------------------------------

def test_since_is_exclusive_and_until_inclusive(xapi):
    """C 2.1.3 since: "stored since the specified Timestamp (exclusive)"; until: "at or before"."""
    first, second, third = (store_apart(xapi, statement()) for _ in range(3))
    stored = {sid: xapi.fetch(sid)["stored"] for sid in (first, second, third)}
    assert query(xapi, since=stored[first]) == [third, second]
    assert query(xapi, until=stored[second]) == [second, first]
    assert query(xapi, since=stored[first], until=stored[second]) == [second]
    assert query(xapi, since=stored[third]) == []


def test_since_and_until_accept_other_zones(xapi):
    """D 4.5: a timestamp in another zone names the same instant."""
    sid = xapi.store(statement())
    moment = formats.parse_timestamp(xapi.fetch(sid)["stored"])
    from datetime import timedelta, timezone
    shifted = moment.astimezone(timezone(timedelta(hours=5, minutes=30))).isoformat()
    assert query(xapi, until=shifted) == [sid]
    assert query(xapi, since=shifted) == []


def test_results_are_newest_first_unless_ascending(xapi):
    """C 2.1.3: reverse chronological order of stored; ascending=true reverses it."""
    stored = [store_apart(xapi, statement()) for _ in range(4)]
    assert query(xapi) == stored[::-1]
    assert query(xapi, ascending="true") == stored
    assert query(xapi, ascending="false") == stored[::-1]


def test_a_batch_keeps_its_order(xapi):
    """C 2.1.2: a batch shares one stored time; it comes back in the order sent (reversed newest first)."""
    batch = [statement(id=str(uuid.uuid4())) for _ in range(5)]
    assert xapi.post(batch).status_code == 200
    sent = [s["id"] for s in batch]
    assert query(xapi, ascending="true") == sent
    assert query(xapi) == sent[::-1]


# -- limit and paging (C 2.1.3 limit; D 2.5 more) ------------------------------------------------------------

def follow(xapi: XapiClient, first_params: dict, between=None) -> tuple[list[str], list[dict]]:
    """Every statement id along the ``more`` links, and every page; ``between`` runs after each page."""
    response = xapi.get(first_params)
    found, pages = [], []
    while True:
        assert response.status_code == 200, response.get_data(as_text=True)
        assert response.headers.get(CONSISTENT)
        page = response.get_json()
        pages.append(page)
        found.extend(s["id"] for s in page["statements"])
        if not page["more"]:
            return found, pages
        if between is not None:
            between()
        url = urlsplit(page["more"])
        assert not url.scheme and not url.netloc, "more is a relative IRL (D 2.5)"
        assert url.path == "/xapi/statements"
        params = {k: v[0] for k, v in parse_qs(url.query).items()}
        response = xapi.get(params)


def test_limit_caps_the_page(xapi):
    """C 2.1.3 limit: at most that many statements."""
    for _ in range(5):
        xapi.store(statement())
    page = xapi.get({"limit": "2"}).get_json()
    assert len(page["statements"]) == 2
    assert page["more"]


def test_limit_zero_means_the_server_maximum(app, xapi):
    """C 2.1.3 limit: "0 indicates return the maximum the server will allow"."""
    app.config["LRS_STATEMENT_PAGE_SIZE"] = 2
    app.config["LRS_STATEMENT_PAGE_MAX"] = 4
    assert xapi.post([statement() for _ in range(6)]).status_code == 200
    assert len(xapi.get({"limit": "0"}).get_json()["statements"]) == 4
    assert len(xapi.get({"limit": "100"}).get_json()["statements"]) == 4
    assert len(xapi.get().get_json()["statements"]) == 2


def test_more_is_empty_at_the_end(xapi):
    """D 2.5 more: "Empty string if there are no more results to fetch"; a full last page ends too."""
    for _ in range(4):
        xapi.store(statement())
    assert xapi.get({"limit": "4"}).get_json()["more"] == ""
    assert xapi.get({"limit": "5"}).get_json()["more"] == ""
    assert xapi.get({"limit": "3"}).get_json()["more"] != ""


@pytest.mark.parametrize("ascending", ["false", "true"])
def test_more_links_give_every_statement_once(xapi, ascending):
    """D 2.5: following ``more`` to the end gives each matching statement exactly once, in order."""
    sent = []
    for _ in range(3):
        batch = [statement(id=str(uuid.uuid4())) for _ in range(4)]
        assert xapi.post(batch).status_code == 200
        sent.extend(s["id"] for s in batch)
        time.sleep(0.002)
    found, pages = follow(xapi, {"limit": "5", "ascending": ascending})
    assert found == (sent if ascending == "true" else sent[::-1])
    assert [len(p["statements"]) for p in pages] == [5, 5, 2]


@pytest.mark.parametrize("ascending", ["false", "true"])
def test_more_links_stay_correct_while_statements_arrive(xapi, ascending):
    """D 2.5: a paged result stays complete and free of repeats while new statements are stored."""
    before = [store_apart(xapi, statement(actor=ADA)) for _ in range(7)]
    arriving: list[str] = []

    def post_more():
        arriving.append(store_apart(xapi, statement(actor=ADA)))
        arriving.append(store_apart(xapi, statement(actor=BOB)))

    found, _ = follow(xapi, {"limit": "2", "ascending": ascending, "agent": orjson.dumps(ADA).decode()},
                      between=post_more)
    assert found == (before if ascending == "true" else before[::-1])
    assert len(set(found)) == len(found)
    # The new ones are there for the next query.
    assert set(arriving[::2]) <= set(query(xapi, agent=ADA))


def test_more_link_keeps_filters_and_format(xapi):
    """D 2.5: the ``more`` IRL continues the same query (filters and format)."""
    for _ in range(3):
        xapi.store(statement(actor=ADA))
        xapi.store(statement(actor=BOB))
    found, pages = follow(xapi, {"limit": "1", "format": "ids", "agent": orjson.dumps(BOB).decode()})
    assert len(found) == 3
    for page in pages:
        for s in page["statements"]:
            assert s["actor"] == {"objectType": "Agent", "mbox": "mailto:bob@example.com"}


def test_more_token_is_short_and_checked(xapi):
    """D 2.5: the LRS SHOULD NOT generate extremely long IRLs; a forged token is 400, not 500."""
    for _ in range(3):
        xapi.store(statement())
    more = xapi.get({"limit": "1", "agent": orjson.dumps(ADA).decode(), "verb": COMPLETED}).get_json()["more"]
    assert len(more) < 400
    for bad in ["garbage", "eyJsaW1pdCI6ImEifQ", "eyJib3VuZF9zZXEiOiJ4In0"]:
        assert xapi.get({"more": bad}).status_code == 400
    assert xapi.get({"more": more.split("more=")[1], "limit": "3"}).status_code == 400


def test_more_hides_statements_voided_after_the_first_page(xapi):
    """D 2.5: a re-run page "excludes Statements from that batch which have since been voided"."""
    sids = [store_apart(xapi, statement()) for _ in range(4)]
    page = xapi.get({"limit": "2"}).get_json()
    assert [s["id"] for s in page["statements"]] == sids[:1:-1]
    xapi.store(statement(verb=verb("http://adlnet.gov/expapi/verbs/voided"), object=ref(sids[0])))
    more = parse_qs(urlsplit(page["more"]).query)["more"][0]
    assert ids(xapi.get({"more": more})) == [sids[1]]


# -- the StatementRef rule (C 2.1.3, "Filter Conditions for StatementRefs") ----------------------------------

def test_statement_ref_matches_filters_of_its_target(xapi):
    """C 2.1.3: a statement targeting a matching statement matches the (non-time) filters too."""
    target = xapi.store(statement(actor=ADA, object=activity(COURSE)))
    referrer = xapi.store(statement(actor=BOB, verb=verb(ATTEMPTED), object=ref(target)))
    assert set(query(xapi, agent=ADA)) == {target, referrer}
    assert set(query(xapi, activity=COURSE)) == {target, referrer}
    assert set(query(xapi, verb=COMPLETED)) == {target, referrer}
    assert query(xapi, agent=BOB) == [referrer]


def test_statement_ref_rule_is_recursive(xapi):
    """C 2.1.3: "a is a match when a targets b which targets c" and c matches."""
    c = xapi.store(statement(actor=ADA, object=activity(QUIZ)))
    b = xapi.store(statement(actor=BOB, object=ref(c)))
    a = xapi.store(statement(actor=EVE, object=ref(b)))
    assert set(query(xapi, activity=QUIZ)) == {a, b, c}
    assert set(query(xapi, agent=BOB)) == {a, b}


def test_statement_ref_rule_when_the_target_arrives_later(xapi):
    """C 2.1.3: the rule holds whichever arrives first; a chain stored backwards still matches."""
    c_id, b_id = str(uuid.uuid4()), str(uuid.uuid4())
    a = xapi.store(statement(actor=EVE, object=ref(b_id)))
    assert query(xapi, activity=QUIZ) == []
    xapi.store(statement(id=b_id, actor=BOB, object=ref(c_id)))
    xapi.store(statement(id=c_id, actor=ADA, object=activity(QUIZ)))
    assert set(query(xapi, activity=QUIZ)) == {a, b_id, c_id}
    assert set(query(xapi, agent=ADA)) == {a, b_id, c_id}


def test_statement_ref_rule_within_one_batch_in_any_order(xapi):
    """C 2.1.3: a referrer stored before its target in the same batch still inherits its filters."""
    c_id, b_id, a_id = (str(uuid.uuid4()) for _ in range(3))
    batch = [statement(id=a_id, actor=EVE, object=ref(b_id)),
             statement(id=b_id, actor=BOB, object=ref(c_id)),
             statement(id=c_id, actor=ADA, object=activity(QUIZ))]
    assert xapi.post(batch).status_code == 200
    assert set(query(xapi, activity=QUIZ)) == {a_id, b_id, c_id}


def test_statement_ref_cycle_is_harmless(xapi):
    """Two statements targeting each other: both stored, each found by the other's filters."""
    a_id, b_id = str(uuid.uuid4()), str(uuid.uuid4())
    assert xapi.post([statement(id=a_id, actor=ADA, object=ref(b_id)),
                      statement(id=b_id, actor=BOB, object=ref(a_id))]).status_code == 200
    assert set(query(xapi, agent=ADA)) == {a_id, b_id}
    assert set(query(xapi, agent=BOB)) == {a_id, b_id}


def test_statement_ref_rule_still_applies_time_and_limit_to_the_referrer(xapi):
    """C 2.1.3: since, until and limit apply to the statement making the StatementRef."""
    target = store_apart(xapi, statement(actor=ADA))
    referrer = store_apart(xapi, statement(actor=BOB, object=ref(target)))
    target_stored = xapi.fetch(target)["stored"]
    assert query(xapi, agent=ADA, since=target_stored) == [referrer]
    assert query(xapi, agent=ADA, until=target_stored) == [target]
    assert query(xapi, agent=ADA, limit="1") == [referrer]


def test_context_statement_ref_does_not_count(xapi):
    """C 2.1.3 note: a StatementRef in context.statement does not affect filtering."""
    target = xapi.store(statement(actor=ADA))
    xapi.store(statement(actor=BOB, context={"statement": ref(target)}))
    assert query(xapi, agent=ADA) == [target]


def test_statement_ref_combined_filters(xapi):
    """C 2.1.3: each filter condition is met by the referrer or by what it targets."""
    target = xapi.store(statement(actor=ADA, verb=verb(COMPLETED), object=activity(COURSE)))
    referrer = xapi.store(statement(actor=BOB, verb=verb(ATTEMPTED), object=ref(target)))
    assert set(query(xapi, agent=ADA, activity=COURSE)) == {target, referrer}
    assert query(xapi, agent=BOB, verb=ATTEMPTED) == [referrer]
    assert query(xapi, agent=BOB, verb=COMPLETED) == [referrer]


# -- headers (C 2.1.3; 2.0 §3 Last-Modified) -----------------------------------------------------------------

def _last_modified(response):
    return parsedate_to_datetime(response.headers["Last-Modified"])


def test_consistent_through_on_every_statements_response(xapi):
    """C 2.1.3: X-Experience-API-Consistent-Through on all responses to Statements Resource requests."""
    sid = str(uuid.uuid4())
    responses = [xapi.post(statement()), xapi.put(statement(), sid), xapi.get(),
                 xapi.get({"statementId": sid}), xapi.get({"limit": "1"}),
                 xapi.request("HEAD", "statements")]
    for response in responses:
        assert response.status_code in (200, 204), response.get_data(as_text=True)
        value = response.headers.get(CONSISTENT)
        assert value and formats.parse_timestamp(value) is not None


def test_consistent_through_on_error_responses_too(xapi):
    """C 2.1.3: "on all responses to Statements Resource requests", errors included."""
    for response in (xapi.get({"statementId": str(uuid.uuid4())}), xapi.get({"limit": "x"}),
                     xapi.post({"not": "a statement"})):
        assert response.status_code in (400, 404)
        assert response.headers.get(CONSISTENT)


def test_consistent_through_is_recent_and_not_ahead_of_commits(xapi):
    """C 2.1.3: a recent timestamp, before which every stored statement is available; it stays a little
    behind the clock, since a statement's stored time is set before its transaction commits."""
    xapi.store(statement())
    before = datetime.now(UTC)
    through = formats.parse_timestamp(xapi.get().headers[CONSISTENT])
    assert through <= before
    assert (before - through).total_seconds() < 5


def test_last_modified_of_one_statement_is_its_stored(xapi):
    """2.0 §3, checklist 29: Last-Modified of a single statement equals its stored, to the second."""
    sid = xapi.store(statement())
    response = xapi.get({"statementId": sid})
    stored = formats.parse_timestamp(response.get_json()["stored"])
    assert _last_modified(response) == stored.replace(microsecond=0)


@pytest.mark.parametrize("ascending", ["false", "true"])
def test_last_modified_of_a_result_is_the_newest_stored_on_the_page(xapi, ascending):
    """2.0 §3, checklist 30: the maximum stored among the statements returned (also ascending)."""
    for _ in range(3):
        store_apart(xapi, statement())
        time.sleep(1.0 if ascending == "true" else 0)
    response = xapi.get({"limit": "2", "ascending": ascending})
    newest = max(formats.parse_timestamp(s["stored"]) for s in response.get_json()["statements"])
    assert _last_modified(response) == newest.replace(microsecond=0)


# -- tenancy and permissions (C 2.1.3 "MAY apply additional query filter criteria based on permissions") -----

def test_other_tenant_sees_nothing(app, client, xapi):
    """Tenants are separate stores: queries, statementId and voidedStatementId never cross."""
    target = xapi.store(statement(actor=ADA))
    voided = xapi.store(statement(actor=ADA))
    xapi.store(statement(verb=verb("http://adlnet.gov/expapi/verbs/voided"), object=ref(voided)))
    other = XapiClient(client, issue_credential(app, name="other", tenant="other"))
    assert query(other) == []
    assert query(other, agent=ADA) == []
    assert other.get({"statementId": target}).status_code == 404
    assert other.get({"voidedStatementId": voided}).status_code == 404
    first_page = xapi.get({"limit": "1"}).get_json()["more"]
    assert query(other, more=parse_qs(urlsplit(first_page).query)["more"][0]) == []


def test_other_tenant_may_use_the_same_ids(app, client, xapi):
    """Tenants are separate stores: the same statement id in two tenants is two statements."""
    sid = str(uuid.uuid4())
    assert xapi.put(statement(actor=ADA), sid).status_code == 204
    other = XapiClient(client, issue_credential(app, name="other", tenant="other"))
    assert other.put(statement(actor=BOB), sid).status_code == 204
    assert xapi.fetch(sid)["actor"]["name"] == "Ada"
    assert other.fetch(sid)["actor"]["name"] == "Bob"


def test_other_tenant_statement_ref_does_not_cross(app, client, xapi):
    """A StatementRef names a statement of the same tenant; another tenant's is unknown."""
    target = xapi.store(statement(actor=ADA))
    other = XapiClient(client, issue_credential(app, name="other", tenant="other"))
    referrer = other.store(statement(actor=BOB, object=ref(target)))
    assert query(other, agent=ADA) == []
    assert query(xapi, agent=ADA) == [target]
    assert query(other, agent=BOB) == [referrer]


def test_read_mine_sees_only_its_own_statements(app, client, xapi):
    """statements/read/mine: queries, statementId and more links see only what this credential stored."""
    theirs = xapi.store(statement(actor=ADA))
    mine_client = XapiClient(client, issue_credential(app, name="mine",
                                                      scopes=("statements/read/mine", "statements/write")))
    mine = [mine_client.store(statement(actor=ADA)) for _ in range(3)]
    assert set(query(mine_client, agent=ADA)) == set(mine)
    assert mine_client.get({"statementId": theirs}).status_code == 404
    assert mine_client.fetch(mine[0])["id"] == mine[0]
    found, _ = follow(mine_client, {"limit": "1"})
    assert sorted(found) == sorted(mine)


# -- concurrency (interop notes, "Under load") ---------------------------------------------------------------

def _run_threads(app, work, count: int) -> list:
    credential = issue_credential(app, name="loader")
    results: list = [None] * count
    barrier = threading.Barrier(count)

    def run(index: int) -> None:
        xapi = XapiClient(app.test_client(), credential)
        barrier.wait()
        try:
            results[index] = work(xapi, index)
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            results[index] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    return results


def test_concurrent_batches_with_shared_agents_and_activities_all_succeed(app, xapi):
    """Interop notes: concurrent batches naming the same agents and activities must not deadlock or fail."""
    activities = [f"http://example.com/activities/shared-{i}" for i in range(10)]

    def work(client: XapiClient, index: int) -> int:
        statuses = []
        for _ in range(3):
            batch = [statement(actor=[ADA, BOB, CY][(index + i) % 3],
                               object={"id": activities[(index * 7 + i) % 10],
                                       "definition": {"name": {"en-US": f"Shared {i} by {index}"}}},
                               context={"contextActivities": {"parent": [{"id": a} for a in activities[:3]]}})
                     for i in range(20)]
            statuses.append(client.post(batch).status_code)
        return max(statuses) if statuses == [200] * 3 else statuses

    results = _run_threads(app, work, 8)
    assert results == [200] * 8
    found, _ = follow(xapi, {"limit": "0"})
    assert len(found) == 8 * 3 * 20 == len(set(found))


def test_concurrent_target_and_referrer_always_link(app, xapi):
    """C 2.1.3 StatementRef rule under concurrency: a target and a referrer stored at the same moment,
    by different requests, still leave the referrer found by the target's filters."""
    pairs = [(str(uuid.uuid4()), str(uuid.uuid4())) for _ in range(30)]

    def work(client: XapiClient, index: int) -> list[int]:
        statuses = []
        for target, referrer in pairs:
            if index % 2 == 0:
                body = statement(id=target, actor=ADA, object=activity(f"http://example.com/a/{target}"))
            else:
                body = statement(id=referrer, actor=BOB, object=ref(target))
            statuses.append(client.post(body).status_code)
        return statuses

    results = _run_threads(app, work, 2)
    assert results == [[200] * len(pairs)] * 2
    for target, referrer in pairs:
        assert set(query(xapi, activity=f"http://example.com/a/{target}")) == {target, referrer}
