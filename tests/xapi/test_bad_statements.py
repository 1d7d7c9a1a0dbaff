"""Malformed statements, one broken rule each: 400, a JSON error naming the property, nothing stored.

Row ids name the section broken: "Data" is xAPI 1.0.3 xAPI-Data.md, "2.0" is xapi-2.0-changes.md (with the
9274.1.1 ChangeLog row or checklist number). Every statement is POSTed in an array of one (or in a batch), so
its paths start at ``$[0]``. A few valid edge cases close the file: they must be stored (200).
"""

from __future__ import annotations

import pytest

from tests.conftest import statement

UUID = "f1b1c3d4-1111-4a2b-8c3d-0123456789ab"
MBOX = "mailto:ada@example.com"
AGENT = {"objectType": "Agent", "mbox": MBOX}
BOB = {"objectType": "Agent", "mbox": "mailto:bob@example.com"}
VERB = {"id": "http://adlnet.gov/expapi/verbs/completed", "display": {"en-US": "completed"}}
ACTIVITY_ID = "http://example.com/activities/course-1"
SHA2 = "672fa5fa658017f1b72d65036f13379c6ab05d4ab3b6664908d8acf0b6a0c634"
ATTACHMENT = {"usageType": "http://example.com/attachments/certificate", "display": {"en-US": "Certificate"},
              "contentType": "application/pdf", "length": 1024, "sha2": SHA2,
              "fileUrl": "http://example.com/certificate.pdf"}
EXT = "http://example.com/extensions/colour"
STATEMENT_REF = {"objectType": "StatementRef", "id": UUID}
INTERACTION_TYPE = "http://adlnet.gov/expapi/activities/cmi.interaction"
VOIDED = "http://adlnet.gov/expapi/verbs/voided"


def actor(**fields) -> dict:
    return statement(actor=fields)


def verb(**fields) -> dict:
    return statement(verb=fields)


def obj(**fields) -> dict:
    return statement(object=fields)


def definition(**fields) -> dict:
    return statement(object={"id": ACTIVITY_ID, "definition": fields})


def interaction(kind, **fields) -> dict:
    return definition(type=INTERACTION_TYPE, interactionType=kind, **fields)


def result(**fields) -> dict:
    return statement(result=fields)


def score(**fields) -> dict:
    return statement(result={"score": fields})


def context(statement_object=None, **fields) -> dict:
    if statement_object is None:
        return statement(context=fields)
    return statement(object=statement_object, context=fields)


def substatement(**fields) -> dict:
    return statement(object={"objectType": "SubStatement", "actor": AGENT, "verb": VERB,
                             "object": {"id": ACTIVITY_ID}, **fields})


def attachment(**fields) -> dict:
    merged = {**ATTACHMENT, **fields}
    return statement(attachments=[{k: v for k, v in merged.items() if v is not ...}])


def choices(*ids) -> list[dict]:
    return [{"id": item, "description": {"en-US": item}} for item in ids]


def context_agent(**fields) -> dict:
    entry = {"objectType": "contextAgent", "agent": AGENT,
             "relevantTypes": ["http://example.com/types/tutor"]}
    entry.update(fields)
    return statement(context={"contextAgents": [{k: v for k, v in entry.items() if v is not ...}]})


def context_group(**fields) -> dict:
    group = {"objectType": "Group", "member": [AGENT, BOB]}
    entry = {"objectType": "contextGroup", "group": group, "relevantTypes": ["http://example.com/types/team"]}
    entry.update(fields)
    return statement(context={"contextGroups": [{k: v for k, v in entry.items() if v is not ...}]})


def without(key: str) -> dict:
    return statement(**{key: ...})


# (statement, JSONPath named in the error), with the section the row breaks as its id.
BAD = [
    # -- statement (Data 2.2 formatting, 2.4 properties, 2.4.1 id) -------------------------------------------
    pytest.param(statement(dummy="x"), "$[0].dummy", id="Data 2.2 unknown top-level key"),
    pytest.param({**without("actor"), "Actor": AGENT}, "$[0].Actor", id="Data 2.2 key case differs"),
    pytest.param(without("actor"), "$[0].actor", id="Data 2.2 no actor"),
    pytest.param(without("verb"), "$[0].verb", id="Data 2.2 no verb"),
    pytest.param(without("object"), "$[0].object", id="Data 2.2 no object"),
    pytest.param(statement(result=None), "$[0].result", id="Data 2.2 null result"),
    pytest.param(statement(id="not-a-uuid"), "$[0].id", id="Data 2.4.1 id not a UUID"),
    pytest.param(statement(id=""), "$[0].id", id="Data 2.4.1 id empty string"),
    pytest.param(statement(id="{" + UUID + "}"), "$[0].id", id="Data 4.4 id not in standard form"),
    pytest.param(statement(id=12345), "$[0].id", id="Data 2.2 id a number"),
    # -- actor: Agent (Data 2.4.2.1, 2.4.2.3, 2.4.2.4) -------------------------------------------------------
    pytest.param(actor(mbox=MBOX, openid="http://openid.example.com/ada"), "$[0].actor",
                 id="Data 2.4.2.1 agent with two IFIs"),
    pytest.param(actor(objectType="Agent", name="Ada"), "$[0].actor", id="Data 2.4.2.1 agent without IFI"),
    pytest.param(actor(mbox="ada@example.com"), "$[0].actor.mbox", id="Data 2.4.2.3 mbox without mailto"),
    pytest.param(actor(mbox=""), "$[0].actor.mbox", id="Data 2.2 mbox empty string"),
    pytest.param(actor(mbox_sha1sum="ebd31e95054c018b10727ccffd2ef2ec3a016ee"), "$[0].actor.mbox_sha1sum",
                 id="Data 2.4.2.3 mbox_sha1sum 39 hex digits"),
    pytest.param(actor(mbox_sha1sum="zzd31e95054c018b10727ccffd2ef2ec3a016ee9"), "$[0].actor.mbox_sha1sum",
                 id="Data 2.4.2.3 mbox_sha1sum not hex"),
    pytest.param(actor(openid="toby.openid.example.org"), "$[0].actor.openid",
                 id="Data 2.4.2.3 openid without scheme"),
    pytest.param(actor(account={"name": "1625378"}), "$[0].actor.account.homePage",
                 id="Data 2.4.2.4 account without homePage"),
    pytest.param(actor(account={"homePage": "http://www.example.com"}), "$[0].actor.account.name",
                 id="Data 2.4.2.4 account without name"),
    pytest.param(actor(account={"homePage": "www.example.com", "name": "1625378"}),
                 "$[0].actor.account.homePage", id="Data 2.4.2.4 account homePage not an IRI"),
    pytest.param(actor(account={"homePage": "http://www.example.com", "name": 1625378}),
                 "$[0].actor.account.name", id="Data 2.4.2.4 account name a number"),
    pytest.param(actor(account={"homePage": "http://www.example.com", "name": "1", "id": "1"}),
                 "$[0].actor.account.id", id="Data 2.4.2.4 account unknown key"),
    pytest.param(actor(mbox=MBOX, age=36), "$[0].actor.age", id="Data 2.4.2.1 agent unknown key"),
    pytest.param(actor(objectType="agent", mbox=MBOX), "$[0].actor.objectType",
                 id="Data 2.2 agent objectType case"),
    pytest.param(actor(mbox=MBOX, name=["Ada"]), "$[0].actor.name", id="Data 2.4.2.1 agent name an array"),
    pytest.param(actor(mbox=None, openid="http://openid.example.com/ada"), "$[0].actor.mbox",
                 id="Data 2.2 agent null mbox"),
    pytest.param(statement(actor="mailto:ada@example.com"), "$[0].actor", id="Data 2.4.2 actor a string"),
    # -- actor: Group (Data 2.4.2.2) -------------------------------------------------------------------------
    pytest.param(actor(objectType="Group", name="Team"), "$[0].actor.member",
                 id="Data 2.4.2.2 anonymous group without member"),
    pytest.param(actor(objectType="Group", member=[]), "$[0].actor.member",
                 id="Data 2.4.2.2 anonymous group with no members"),
    pytest.param(actor(objectType="Group", member=[{"objectType": "Group", "mbox": "mailto:t@example.com"}]),
                 "$[0].actor.member[0].objectType", id="Data 2.4.2.2 member that is a Group"),
    pytest.param(actor(objectType="Group", mbox="mailto:team@example.com",
                       mbox_sha1sum="ebd31e95054c018b10727ccffd2ef2ec3a016ee9"), "$[0].actor",
                 id="Data 2.4.2.2 identified group with two IFIs"),
    pytest.param(actor(objectType="Group", member=[AGENT, {"name": "Bob"}]), "$[0].actor.member[1]",
                 id="Data 2.4.2.1 group member without IFI"),
    pytest.param(actor(objectType="group", member=[AGENT]), "$[0].actor.objectType",
                 id="Data 2.2 group objectType case"),
    pytest.param(actor(objectType="Group", member=AGENT), "$[0].actor.member",
                 id="Data 2.4.2.2 member not an array"),
    pytest.param(actor(objectType="Group", member=[AGENT, None]), "$[0].actor.member[1]",
                 id="Data 2.2 null group member"),
    # -- verb (Data 2.4.3) -----------------------------------------------------------------------------------
    pytest.param(verb(display={"en-US": "completed"}), "$[0].verb.id", id="Data 2.4.3 verb without id"),
    pytest.param(verb(id="completed"), "$[0].verb.id", id="Data 2.4.3 verb id not an IRI"),
    pytest.param(verb(id=""), "$[0].verb.id", id="Data 2.2 verb id empty string"),
    pytest.param(verb(id="http://example.com/verbs/ran away"), "$[0].verb.id",
                 id="Data 3.1 verb id with a space"),
    pytest.param(verb(id=VERB["id"], display={"en_US": "completed"}), "$[0].verb.display.en_US",
                 id="Data 4.2 display tag with underscore"),
    pytest.param(verb(id=VERB["id"], display={"english": "completed"}), "$[0].verb.display.english",
                 id="Data 4.2 display tag not RFC 5646"),
    pytest.param(verb(id=VERB["id"], display={"en-US": 7}), "$[0].verb.display['en-US']",
                 id="Data 4.2 display value a number"),
    pytest.param(verb(id=VERB["id"], display={"en-US": None}), "$[0].verb.display['en-US']",
                 id="Data 2.2 display value null"),
    pytest.param(verb(id=VERB["id"], display="completed"), "$[0].verb.display",
                 id="Data 4.2 display not a language map"),
    pytest.param(verb(id=VERB["id"], name={"en-US": "completed"}), "$[0].verb.name",
                 id="Data 2.4.3 verb unknown key"),
    # -- object: Activity (Data 2.4.4, 2.4.4.1) --------------------------------------------------------------
    pytest.param(obj(objectType="Person", id=ACTIVITY_ID), "$[0].object.objectType",
                 id="Data 2.4.4 unknown objectType"),
    pytest.param(obj(objectType="activity", id=ACTIVITY_ID), "$[0].object.objectType",
                 id="Data 2.2 activity objectType case"),
    pytest.param(obj(objectType="Activity"), "$[0].object.id", id="Data 2.4.4.1 activity without id"),
    pytest.param(obj(id="course-1"), "$[0].object.id", id="Data 2.4.4.1 activity id not an IRI"),
    pytest.param(obj(id=""), "$[0].object.id", id="Data 2.2 activity id empty string"),
    pytest.param(obj(id="http://example.com/100%"), "$[0].object.id",
                 id="Data 3.1 activity id stray percent"),
    pytest.param(obj(mbox=MBOX), "$[0].object.mbox", id="Data 2.4.4.2 agent object without objectType"),
    pytest.param(obj(objectType="Agent", name="Ada"), "$[0].object",
                 id="Data 2.4.4.2 agent object without IFI"),
    pytest.param(definition(type="cmi.interaction"), "$[0].object.definition.type",
                 id="Data 2.4.4.1 definition type not an IRI"),
    pytest.param(definition(moreInfo="example.com/more"), "$[0].object.definition.moreInfo",
                 id="Data 2.4.4.1 definition moreInfo not an IRL"),
    pytest.param(definition(name="Course 1"), "$[0].object.definition.name",
                 id="Data 2.4.4.1 definition name not a language map"),
    pytest.param(definition(description={"en-US": "x", "": "y"}), "$[0].object.definition.description['']",
                 id="Data 4.2 definition description empty language tag"),
    pytest.param(definition(title={"en-US": "Course 1"}), "$[0].object.definition.title",
                 id="Data 2.4.4.1 definition unknown key"),
    pytest.param(definition(extensions={"colour": "red"}), "$[0].object.definition.extensions.colour",
                 id="Data 4.1 definition extension key not an IRI"),
    pytest.param(definition(description=None), "$[0].object.definition.description",
                 id="Data 2.2 definition null description"),
    # -- object: interaction activities (Data 2.4.4.1, "Interaction Activities", "Interaction Components") ---
    pytest.param(interaction("Choice"), "$[0].object.definition.interactionType",
                 id="Data 2.4.4.1 interactionType case"),
    pytest.param(interaction("essay"), "$[0].object.definition.interactionType",
                 id="Data 2.4.4.1 interactionType unknown"),
    pytest.param(interaction(["choice"]), "$[0].object.definition.interactionType",
                 id="Data 2.4.4.1 interactionType an array"),
    pytest.param(interaction("true-false", choices=choices("true", "false")),
                 "$[0].object.definition.choices",
                 id="Data 2.4.4.1 choices not allowed for true-false"),
    pytest.param(interaction("choice", choices=choices("a"), scale=choices("1")),
                 "$[0].object.definition.scale",
                 id="Data 2.4.4.1 scale not allowed for choice"),
    pytest.param(interaction("likert", steps=choices("1")), "$[0].object.definition.steps",
                 id="Data 2.4.4.1 steps not allowed for likert"),
    pytest.param(interaction("choice", choices=choices("golf", "tetris", "golf")),
                 "$[0].object.definition.choices[2].id", id="Data 2.4.4.1 duplicate component ids"),
    pytest.param(interaction("matching", source=choices("a"), target=[{"description": {"en": "x"}}]),
                 "$[0].object.definition.target[0].id", id="Data 2.4.4.1 component without id"),
    pytest.param(interaction("sequencing", choices=[{"id": 1}]), "$[0].object.definition.choices[0].id",
                 id="Data 2.4.4.1 component id a number"),
    pytest.param(interaction("performance", steps=[{"id": "s1", "name": {"en": "x"}}]),
                 "$[0].object.definition.steps[0].name", id="Data 2.4.4.1 component unknown key"),
    pytest.param(interaction("true-false", correctResponsesPattern="true"),
                 "$[0].object.definition.correctResponsesPattern",
                 id="Data 2.4.4.1 correctResponsesPattern not an array"),
    pytest.param(interaction("numeric", correctResponsesPattern=["4[:]", 5]),
                 "$[0].object.definition.correctResponsesPattern[1]",
                 id="Data 2.4.4.1 correctResponsesPattern with a number"),
    pytest.param(definition(correctResponsesPattern=["true"]), "$[0].object.definition.interactionType",
                 id="Data 2.4.4.1 correctResponsesPattern without interactionType"),
    # -- object: StatementRef and SubStatement (Data 2.4.4.3) ------------------------------------------------
    pytest.param(obj(objectType="StatementRef", id="not-a-uuid"), "$[0].object.id",
                 id="Data 2.4.4.3 StatementRef id not a UUID"),
    pytest.param(obj(id=UUID), "$[0].object.id", id="Data 2.4.4.3 StatementRef without objectType"),
    pytest.param(obj(objectType="StatementRef"), "$[0].object.id", id="Data 2.4.4.3 StatementRef without id"),
    pytest.param(obj(objectType="StatementRef", id=UUID, definition={}), "$[0].object.definition",
                 id="Data 2.4.4.3 StatementRef unknown key"),
    pytest.param(substatement(object={"objectType": "SubStatement", "actor": AGENT, "verb": VERB,
                                      "object": {"id": ACTIVITY_ID}}), "$[0].object.object.objectType",
                 id="Data 2.4.4.3 nested SubStatement"),
    pytest.param(substatement(id=UUID), "$[0].object.id", id="Data 2.4.4.3 SubStatement with id"),
    pytest.param(substatement(stored="2024-01-01T00:00:00Z"), "$[0].object.stored",
                 id="Data 2.4.4.3 SubStatement with stored"),
    pytest.param(substatement(version="1.0.0"), "$[0].object.version",
                 id="Data 2.4.4.3 SubStatement with version"),
    pytest.param(substatement(authority=AGENT), "$[0].object.authority",
                 id="Data 2.4.4.3 SubStatement with authority"),
    pytest.param(substatement(verb={"id": "visited"}), "$[0].object.verb.id",
                 id="Data 2.4.4.3 SubStatement validated as a statement"),
    pytest.param(substatement(context={"platform": "web"}, object=AGENT), "$[0].object.context.platform",
                 id="Data 2.4.6 SubStatement platform with Agent object"),
    # -- voiding (Data 2.3.2) --------------------------------------------------------------------------------
    pytest.param(statement(verb={"id": VOIDED}), "$[0].object.objectType",
                 id="Data 2.3.2 voiding an Activity"),
    # -- result (Data 2.4.5, 2.4.5.1) ------------------------------------------------------------------------
    pytest.param(result(success="true"), "$[0].result.success", id="Data 2.2 success a string"),
    pytest.param(result(completion=1), "$[0].result.completion", id="Data 2.2 completion a number"),
    pytest.param(result(response=42), "$[0].result.response", id="Data 2.4.5 response a number"),
    pytest.param(score(scaled=1.5), "$[0].result.score.scaled", id="Data 2.4.5.1 scaled above 1"),
    pytest.param(score(scaled=-1.01), "$[0].result.score.scaled", id="Data 2.4.5.1 scaled below -1"),
    pytest.param(score(raw=101, min=0, max=100), "$[0].result.score.raw", id="Data 2.4.5.1 raw above max"),
    pytest.param(score(raw=-1, min=0), "$[0].result.score.raw", id="Data 2.4.5.1 raw below min"),
    pytest.param(score(min=100, max=0), "$[0].result.score.min", id="Data 2.4.5.1 min above max"),
    pytest.param(score(min=5, max=5), "$[0].result.score.min", id="Data 2.4.5.1 min equal to max"),
    pytest.param(score(raw="50"), "$[0].result.score.raw", id="Data 2.2 raw a string"),
    pytest.param(score(scaled=True), "$[0].result.score.scaled", id="Data 2.2 scaled a boolean"),
    pytest.param(score(percent=50), "$[0].result.score.percent", id="Data 2.4.5.1 score unknown key"),
    pytest.param(result(duration="1 hour"), "$[0].result.duration", id="Data 4.6 duration not ISO 8601"),
    pytest.param(result(duration="P4W1D"), "$[0].result.duration", id="Data 4.6 weeks combined"),
    pytest.param(result(duration="P0003-02-01T00:00:00"), "$[0].result.duration",
                 id="Data 4.6 alternative duration format"),
    pytest.param(result(duration="P1.5DT2H"), "$[0].result.duration",
                 id="Data 4.6 fraction not on last unit"),
    pytest.param(result(duration=3600), "$[0].result.duration", id="Data 4.6 duration a number"),
    pytest.param(result(extensions={"colour": "red"}), "$[0].result.extensions.colour",
                 id="Data 4.1 result extension key not an IRI"),
    pytest.param(result(extensions={"": 1}), "$[0].result.extensions['']",
                 id="Data 2.2 result extension key empty string"),
    pytest.param(result(extensions=[EXT]), "$[0].result.extensions", id="Data 4.1 extensions not an object"),
    # -- context (Data 2.4.6, 2.4.6.2) -----------------------------------------------------------------------
    pytest.param(context(registration="attempt-1"), "$[0].context.registration",
                 id="Data 2.4.6 registration not a UUID"),
    pytest.param(context(registration=None), "$[0].context.registration", id="Data 2.2 null registration"),
    pytest.param(context(AGENT, revision="v2"), "$[0].context.revision",
                 id="Data 2.4.6 revision with Agent object"),
    pytest.param(context(STATEMENT_REF, platform="web"), "$[0].context.platform",
                 id="Data 2.4.6 platform with StatementRef object"),
    pytest.param(context(revision=2), "$[0].context.revision", id="Data 2.4.6 revision a number"),
    pytest.param(context(team=BOB), "$[0].context.team.objectType", id="Data 2.4.6 team not a Group"),
    pytest.param(context(instructor={"name": "Bob"}), "$[0].context.instructor",
                 id="Data 2.4.6 instructor without IFI"),
    pytest.param(context(contextActivities={"parent": [{"objectType": "Agent", "mbox": MBOX}]}),
                 "$[0].context.contextActivities.parent[0].objectType",
                 id="Data 2.4.6.2 contextActivities with an Agent"),
    pytest.param(context(contextActivities={"grouping": STATEMENT_REF}),
                 "$[0].context.contextActivities.grouping.objectType",
                 id="Data 2.4.6.2 contextActivities with a StatementRef"),
    pytest.param(context(contextActivities={"parents": [{"id": ACTIVITY_ID}]}),
                 "$[0].context.contextActivities.parents", id="Data 2.4.6.2 contextActivities unknown key"),
    pytest.param(context(contextActivities={"category": [{"definition": {}}]}),
                 "$[0].context.contextActivities.category[0].id",
                 id="Data 2.4.6.2 context activity without id"),
    pytest.param(context(contextActivities={"other": [None]}), "$[0].context.contextActivities.other[0]",
                 id="Data 2.2 null context activity"),
    pytest.param(context(language="en_US"), "$[0].context.language",
                 id="Data 2.4.6 language tag with underscore"),
    pytest.param(context(language="english"), "$[0].context.language", id="Data 2.4.6 language not a tag"),
    pytest.param(context(statement={"objectType": "Activity", "id": ACTIVITY_ID}),
                 "$[0].context.statement.objectType", id="Data 2.4.6 statement not a StatementRef"),
    pytest.param(context(statement={"id": UUID}), "$[0].context.statement.objectType",
                 id="Data 2.4.6 statement without objectType"),
    pytest.param(context(extensions={"colour": "red"}), "$[0].context.extensions.colour",
                 id="Data 4.1 context extension key not an IRI"),
    pytest.param(context(mood="happy"), "$[0].context.mood", id="Data 2.4.6 context unknown key"),
    # -- timestamps (Data 2.4.7, 2.4.8, 4.5) -----------------------------------------------------------------
    pytest.param(statement(timestamp="yesterday"), "$[0].timestamp", id="Data 4.5 timestamp not ISO 8601"),
    pytest.param(statement(timestamp="2008-09-15T15:53:00.601-00:00"), "$[0].timestamp",
                 id="Data 4.5 timestamp offset -00:00"),
    pytest.param(statement(timestamp="2008-09-15T15:53:00.601-0000"), "$[0].timestamp",
                 id="Data 4.5 timestamp offset -0000"),
    pytest.param(statement(timestamp="2008-09-15T15:53:00.601-00"), "$[0].timestamp",
                 id="Data 4.5 timestamp offset -00"),
    pytest.param(statement(timestamp="2008-09-15"), "$[0].timestamp", id="Data 4.5 timestamp date only"),
    pytest.param(statement(timestamp="2008-13-15T15:53:00Z"), "$[0].timestamp",
                 id="Data 4.5 timestamp month 13"),
    pytest.param(statement(timestamp="2008-09-15 15:53:00Z"), "$[0].timestamp",
                 id="Data 4.5 timestamp space for T under 1.0.3"),
    pytest.param(statement(timestamp=1221494000), "$[0].timestamp", id="Data 4.5 timestamp a number"),
    pytest.param(statement(stored="last week"), "$[0].stored", id="Data 2.4.8 stored not ISO 8601"),
    # -- authority (Data 2.4.9) ------------------------------------------------------------------------------
    pytest.param(statement(authority={"objectType": "Group", "member": [AGENT, BOB,
                 {"mbox": "mailto:c@x.org"}]}),
                 "$[0].authority.member", id="Data 2.4.9 authority group of three"),
    pytest.param(statement(authority={"name": "LMS"}), "$[0].authority",
                 id="Data 2.4.9 authority without IFI"),
    # -- attachments (Data 2.4.11) ---------------------------------------------------------------------------
    pytest.param(attachment(usageType=...), "$[0].attachments[0].usageType", id="Data 2.4.11 no usageType"),
    pytest.param(attachment(display=...), "$[0].attachments[0].display", id="Data 2.4.11 no display"),
    pytest.param(attachment(contentType=...), "$[0].attachments[0].contentType",
                 id="Data 2.4.11 no contentType"),
    pytest.param(attachment(length=...), "$[0].attachments[0].length", id="Data 2.4.11 no length"),
    pytest.param(attachment(sha2=...), "$[0].attachments[0].sha2", id="Data 2.4.11 no sha2"),
    pytest.param(attachment(length=-1), "$[0].attachments[0].length", id="Data 2.4.11 length negative"),
    pytest.param(attachment(length="1024"), "$[0].attachments[0].length", id="Data 2.2 length a string"),
    pytest.param(attachment(length=10.5), "$[0].attachments[0].length",
                 id="Data 2.4.11 length not an integer"),
    pytest.param(attachment(sha2="not-a-digest"), "$[0].attachments[0].sha2", id="Data 2.4.11 sha2 not hex"),
    pytest.param(attachment(usageType="certificate"), "$[0].attachments[0].usageType",
                 id="Data 2.4.11 usageType not an IRI"),
    pytest.param(attachment(display={"en_US": "Certificate"}), "$[0].attachments[0].display.en_US",
                 id="Data 4.2 attachment display bad tag"),
    pytest.param(attachment(contentType="pdf"), "$[0].attachments[0].contentType",
                 id="Data 2.4.11 contentType not a media type"),
    pytest.param(attachment(fileUrl="certificate.pdf"), "$[0].attachments[0].fileUrl",
                 id="Data 2.4.11 fileUrl not an IRL"),
    pytest.param(statement(attachments=ATTACHMENT), "$[0].attachments",
                 id="Data 2.4.11 attachments not an array"),
    # -- version (Data 2.4.10; 2.0 checklist 10) -------------------------------------------------------------
    pytest.param(statement(version="1.1.0"), "$[0].version", id="Data 2.4.10 version 1.1.0"),
    pytest.param(statement(version="0.9.9"), "$[0].version", id="Data 2.4.10 version 0.9.9"),
    pytest.param(statement(version="should fail"), "$[0].version", id="Data 2.4.10 version should fail"),
    pytest.param(statement(version="2.0.0"), "$[0].version", id="Data 2.4.10 version 2.0.0 under 1.0.3"),
    pytest.param(statement(version=1.0), "$[0].version", id="Data 2.2 version a number"),
]


@pytest.mark.parametrize(("body", "path"), BAD)
def test_malformed_statement_is_400_naming_the_property(xapi, body, path):
    assert_rejected(xapi, [body], path)


def assert_rejected(client, body, path: str) -> None:
    response = client.post(body)
    assert response.status_code == 400, response.get_data(as_text=True)
    error = response.get_json()
    assert set(error) == {"error", "detail", "path"}, error
    assert error["path"] == path, error
    assert error["detail"]
    listed = client.get()
    assert listed.status_code == 200
    assert listed.get_json()["statements"] == []


def test_one_bad_statement_fails_the_whole_batch(xapi):
    # interop-notes (Moodle): the 400 names the bad statement by its index; nothing of the batch is stored.
    assert_rejected(xapi, [statement(), statement(), verb(id="completed")], "$[2].verb.id")


# -- xAPI 2.0 only: contextAgents and contextGroups (2.0 §2, ChangeLog x1 and x2; checklist 11–17) -----------
AGENTS = "$[0].context.contextAgents[0]"
GROUPS = "$[0].context.contextGroups[0]"
BAD_V2 = [
    pytest.param(context_agent(objectType="Should fail"), f"{AGENTS}.objectType",
                 id="2.0 x1 contextAgent objectType wrong"),
    pytest.param(context_agent(objectType="ContextAgent"), f"{AGENTS}.objectType",
                 id="2.0 x1 contextAgent objectType case"),
    pytest.param(context_agent(objectType=...), f"{AGENTS}.objectType",
                 id="2.0 x1 contextAgent without objectType"),
    pytest.param(context_agent(agent={"key": "x"}), f"{AGENTS}.agent.key",
                 id="2.0 x1 contextAgent agent malformed"),
    pytest.param(context_agent(agent=...), f"{AGENTS}.agent", id="2.0 x1 contextAgent without agent"),
    pytest.param(context_agent(agent={"objectType": "Group", "member": [AGENT]}),
                 f"{AGENTS}.agent.objectType",
                 id="2.0 x1 contextAgent agent a Group"),
    pytest.param(context_agent(relevantTypes=[]), f"{AGENTS}.relevantTypes", id="2.0 x1 relevantTypes empty"),
    pytest.param(context_agent(relevantTypes=["abc"]), f"{AGENTS}.relevantTypes[0]",
                 id="2.0 x1 relevantTypes not IRIs"),
    pytest.param(context_agent(relevantTypes="http://example.com/types/tutor"), f"{AGENTS}.relevantTypes",
                 id="2.0 x1 relevantTypes not an array"),
    pytest.param(context_agent(member=[AGENT]), f"{AGENTS}.member", id="2.0 x1 contextAgent extra key"),
    pytest.param(statement(context={"contextAgents": AGENT}), "$[0].context.contextAgents",
                 id="2.0 x1 contextAgents not an array"),
    pytest.param(context_group(objectType="Should fail"), f"{GROUPS}.objectType",
                 id="2.0 x2 contextGroup objectType wrong"),
    pytest.param(context_group(objectType="contextAgent"), f"{GROUPS}.objectType",
                 id="2.0 x2 contextGroup objectType of contextAgent"),
    pytest.param(context_group(group={"key": "x"}), f"{GROUPS}.group.key",
                 id="2.0 x2 contextGroup group malformed"),
    pytest.param(context_group(group=AGENT), f"{GROUPS}.group.objectType",
                 id="2.0 x2 contextGroup group an Agent"),
    pytest.param(context_group(group={"objectType": "Group"}), f"{GROUPS}.group.member",
                 id="2.0 x2 contextGroup anonymous group without member"),
    pytest.param(context_group(relevantTypes=[]), f"{GROUPS}.relevantTypes", id="2.0 x2 relevantTypes empty"),
    pytest.param(context_group(relevantTypes=["abc"]), f"{GROUPS}.relevantTypes[0]",
                 id="2.0 x2 relevantTypes not IRIs"),
    pytest.param(context_group(agent=AGENT), f"{GROUPS}.agent", id="2.0 x2 contextGroup extra key"),
    pytest.param(substatement(context={"contextAgents": [{"objectType": "contextAgent", "agent": AGENT,
                                                          "relevantTypes": ["abc"]}]}),
                 "$[0].object.context.contextAgents[0].relevantTypes[0]",
                 id="2.0 x1 in a SubStatement context"),
    pytest.param(statement(dummy="x"), "$[0].dummy", id="2.0 s1 unknown top-level key"),
    pytest.param(statement(timestamp="2008-09-15T15:53:00.601-00:00"), "$[0].timestamp",
                 id="2.0 s19 timestamp offset -00:00"),
    pytest.param(statement(version="2.0.1"), "$[0].version", id="2.0 4.2.4.3 version 2.0.1"),
    pytest.param(statement(version="1.1.0"), "$[0].version", id="2.0 checklist 10 version 1.1.0"),
]


@pytest.mark.parametrize(("body", "path"), BAD_V2)
def test_malformed_statement_under_2_0_is_400_naming_the_property(xapi2, body, path):
    assert_rejected(xapi2, [body], path)


@pytest.mark.parametrize(("body", "path"), [
    pytest.param(context_agent(), "$[0].context.contextAgents", id="2.0 checklist 17 contextAgents"),
    pytest.param(context_group(), "$[0].context.contextGroups", id="2.0 checklist 17 contextGroups"),
])
def test_2_0_context_properties_under_1_0_3_are_400(xapi, body, path):
    assert_rejected(xapi, [body], path)


# -- valid edge cases: stored (200) and read back ------------------------------------------------------------
LONG_PATTERNS = [f"{'choice' * 50}-{i}[,]{'other' * 50}-{i}" for i in range(500)]
GOOD = [
    pytest.param("1.0.3", statement(timestamp="2008-09-15T15:53:00.601+00:00"), id="Data 4.5 offset +00:00"),
    pytest.param("1.0.3", statement(timestamp="2008-09-15T15:53:00+05:30"), id="Data 4.5 offset +05:30"),
    pytest.param("1.0.3", statement(timestamp="2099-01-01T00:00:00Z"), id="Data 2.4.7 future timestamp"),
    pytest.param("1.0.3", interaction("choice", choices=choices(*(f"c{i}" for i in range(200))),
                                      correctResponsesPattern=LONG_PATTERNS),
                 id="Data 2.4.4.1 long correctResponsesPattern"),
    pytest.param("1.0.3", interaction("true-false", correctResponsesPattern=[]),
                 id="Data 2.4.4.1 empty correctResponsesPattern"),
    pytest.param("1.0.3", statement(version="1.0"), id="Data 2.4.10 version 1.0"),
    pytest.param("1.0.3", statement(version="1.0.9"), id="Data 2.4.10 version 1.0.9"),
    pytest.param("1.0.3", result(extensions={EXT: None}), id="Data 4.1 extension value null"),
    pytest.param("1.0.3", context(extensions={EXT: {"nested": [None, {"deep": None}]}}),
                 id="Data 4.1 extension value with nested nulls"),
    pytest.param("1.0.3", verb(id=VERB["id"],
                               display={"zh-Hant-TW": "完成", "tlh": "rIn", "es-419": "terminó"}),
                 id="Data 4.2 language tags zh-Hant-TW tlh es-419"),
    pytest.param("1.0.3", context(language="zh-Hant-TW"), id="Data 2.4.6 language zh-Hant-TW"),
    pytest.param("1.0.3", result(duration="PT1.234567S"), id="Data 4.6 duration finer than 0.01s"),
    pytest.param("1.0.3", score(scaled=-1, raw=0, min=0, max=100), id="Data 2.4.5.1 score bounds inclusive"),
    pytest.param("1.0.3", statement(verb={"id": VOIDED}, object=STATEMENT_REF),
                 id="Data 2.3.2 voiding an unknown statement"),
    pytest.param("1.0.3", context(contextActivities={"parent": {"id": ACTIVITY_ID}}),
                 id="Data 2.4.6.2 single context activity"),
    pytest.param("1.0.3", statement(authority={"objectType": "Group", "member": [AGENT, BOB]}),
                 id="Data 2.4.9 authority group of two"),
    pytest.param("1.0.3", actor(objectType="Group", mbox="mailto:team@example.com", member=[]),
                 id="Data 2.4.2.2 identified group with no members"),
    pytest.param("2.0.0", statement(timestamp="2008-09-15T15:53:00.601+00:00"), id="2.0 checklist 23 +00:00"),
    pytest.param("2.0.0", statement(timestamp="2008-09-15 15:53:00.601Z"), id="2.0 RFC 3339 space for T"),
    pytest.param("2.0.0", context_agent(), id="2.0 checklist 11 contextAgents"),
    pytest.param("2.0.0", context_group(), id="2.0 checklist 15 contextGroups anonymous"),
    pytest.param("2.0.0", context_group(group={"objectType": "Group", "mbox": "mailto:t@example.com",
                                               "member": [AGENT]}, relevantTypes=...),
                 id="2.0 checklist 15 contextGroups identified"),
    pytest.param("2.0.0", statement(version="2.0.0"), id="2.0 4.2.4.3 version 2.0.0"),
]


@pytest.mark.parametrize(("version", "body"), GOOD)
def test_valid_edge_case_is_stored(xapi, version, body):
    xapi.version = version
    sid = xapi.store([body])
    stored = xapi.fetch(sid)
    for key in ("actor", "verb", "object", "result"):
        if key in body:
            assert stored[key] == body[key]
    if "version" in body:
        assert stored["version"] == body["version"]


def test_2_0_timestamp_with_offset_is_returned_in_utc(xapi2):
    # 2.0 §2 (s19–s22), checklist 24: a non-UTC timestamp is converted to UTC, the same instant.
    sid = xapi2.store(statement(timestamp="2008-09-15T15:53:00.601+05:00"))
    assert xapi2.fetch(sid)["timestamp"] == "2008-09-15T10:53:00.601Z"
