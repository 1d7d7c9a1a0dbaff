"""Validation of statements against the xAPI data model (xAPI-Data.md, Part Two; xAPI 2.0 changes).

Plain functions over parsed JSON: no Flask, no database. Every failure raises ``ValidationError`` naming
the rule broken and the JSON path of the offending value (``$.context.instructor.mbox``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from lrs.xapi import formats
from lrs.xapi.errors import ValidationError
from lrs.xapi.versions import V2, statement_version_ok

VOIDED_VERB = "http://adlnet.gov/expapi/verbs/voided"
SIGNATURE_USAGE = "http://adlnet.gov/expapi/attachments/signature"
IFI_KEYS = ("mbox", "mbox_sha1sum", "openid", "account")

STATEMENT_KEYS = frozenset(
    {"id", "actor", "verb", "object", "result", "context", "timestamp", "stored", "authority", "version",
     "attachments"}
)
SUBSTATEMENT_KEYS = frozenset(
    {"objectType", "actor", "verb", "object", "result", "context", "timestamp", "attachments"}
)
AGENT_KEYS = frozenset({"objectType", "name", *IFI_KEYS})
GROUP_KEYS = AGENT_KEYS | {"member"}
ACCOUNT_KEYS = frozenset({"homePage", "name"})
VERB_KEYS = frozenset({"id", "display"})
ACTIVITY_KEYS = frozenset({"objectType", "id", "definition"})
DEFINITION_KEYS = frozenset(
    {"name", "description", "type", "moreInfo", "extensions", "interactionType", "correctResponsesPattern",
     "choices", "scale", "source", "target", "steps"}
)
COMPONENT_KEYS = frozenset({"id", "description"})
STATEMENT_REF_KEYS = frozenset({"objectType", "id"})
RESULT_KEYS = frozenset({"score", "success", "completion", "response", "duration", "extensions"})
SCORE_KEYS = frozenset({"scaled", "raw", "min", "max"})
CONTEXT_KEYS_V1 = frozenset(
    {"registration", "instructor", "team", "contextActivities", "revision", "platform", "language",
     "statement", "extensions"}
)
CONTEXT_KEYS_V2 = CONTEXT_KEYS_V1 | {"contextAgents", "contextGroups"}
CONTEXT_ACTIVITY_KEYS = frozenset({"parent", "grouping", "category", "other"})
CONTEXT_AGENT_KEYS = frozenset({"objectType", "agent", "relevantTypes"})
CONTEXT_GROUP_KEYS = frozenset({"objectType", "group", "relevantTypes"})
ATTACHMENT_KEYS = frozenset(
    {"usageType", "display", "description", "contentType", "length", "sha2", "fileUrl"}
)
INTERACTION_TYPES = {
    "true-false": frozenset(),
    "choice": frozenset({"choices"}),
    "fill-in": frozenset(),
    "long-fill-in": frozenset(),
    "matching": frozenset({"source", "target"}),
    "performance": frozenset({"steps"}),
    "sequencing": frozenset({"choices"}),
    "likert": frozenset({"scale"}),
    "numeric": frozenset(),
    "other": frozenset(),
}
COMPONENT_LISTS = frozenset({"choices", "scale", "source", "target", "steps"})
_SHORTHAND_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def fail(detail: str, path: str) -> ValidationError:
    return ValidationError(detail, path)


def member(path: str, key: Any) -> str:
    """The JSONPath of ``key`` in the object at ``path``: ``$.a.b``, or ``$.a['en-US']`` (RFC 9535 2.5.1)."""
    key = str(key)
    if _SHORTHAND_RE.fullmatch(key):
        return f"{path}.{key}"
    escaped = key.replace("\\", "\\\\").replace("'", "\\'")
    return f"{path}['{escaped}']"


def check_object(value: Any, path: str, allowed: frozenset[str], required: tuple[str, ...] = ()) -> dict:
    """An object with only the allowed keys, each required one present, and no nulls."""
    if not isinstance(value, dict):
        raise fail(f"must be a JSON object, not {type_name(value)}", path)
    for key, item in value.items():
        if key not in allowed:
            raise fail(f"property {key!r} is not allowed here", member(path, key))
        if item is None:
            raise fail("must not be null", member(path, key))
    for key in required:
        if key not in value:
            raise fail(f"property {key!r} is required", member(path, key))
    return value


def type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


def check_string(value: Any, path: str) -> str:
    if not isinstance(value, str):
        raise fail(f"must be a string, not {type_name(value)}", path)
    return value


def check_bool(value: Any, path: str) -> None:
    if not isinstance(value, bool):
        raise fail(f"must be a boolean, not {type_name(value)}", path)


def check_number(value: Any, path: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise fail(f"must be a number, not {type_name(value)}", path)
    return value


def check_format(value: Any, path: str, test: Callable[[Any], bool], what: str) -> None:
    if not isinstance(value, str):
        raise fail(f"must be {what} (a string), not {type_name(value)}", path)
    if not test(value):
        raise fail(f"{value!r} is not {what}", path)


def check_iri(value: Any, path: str) -> None:
    check_format(value, path, formats.is_iri, "an IRI with a scheme")


def check_uuid(value: Any, path: str) -> None:
    check_format(value, path, formats.is_uuid, "a UUID")


def check_language_map(value: Any, path: str) -> None:
    if not isinstance(value, dict):
        raise fail(f"a language map must be a JSON object, not {type_name(value)}", path)
    for tag, text in value.items():
        if not formats.is_language_tag(tag):
            raise fail(f"{tag!r} is not a valid RFC 5646 language tag", member(path, tag))
        if not isinstance(text, str):
            raise fail(f"must be a string, not {type_name(text)}", member(path, tag))


def check_extensions(value: Any, path: str) -> None:
    """Keys must be IRIs; values are anything, null included (Data 2.4.6, 4.3)."""
    if not isinstance(value, dict):
        raise fail(f"extensions must be a JSON object, not {type_name(value)}", path)
    for key in value:
        if not formats.is_iri(key):
            raise fail(f"extension key {key!r} is not an IRI", member(path, key))


def check_array(value: Any, path: str, *, non_empty: bool = False) -> list:
    if not isinstance(value, list):
        raise fail(f"must be an array, not {type_name(value)}", path)
    if non_empty and not value:
        raise fail("must not be an empty array", path)
    for index, item in enumerate(value):
        if item is None:
            raise fail("must not be null", f"{path}[{index}]")
    return value


class StatementValidator:
    """Validates statements for one negotiated xAPI version."""

    def __init__(self, version: str):
        self.version = version
        self.context_keys = CONTEXT_KEYS_V2 if version == V2 else CONTEXT_KEYS_V1
        # 1.0.3 asks for ISO 8601 (Data 4.5): no space for "T"; 2.0 asks for RFC 3339, which allows one.
        self.timestamp_space = version == V2

    # -- statements ---------------------------------------------------------------------------------------

    def statement(self, value: Any, path: str = "$") -> None:
        statement = check_object(value, path, STATEMENT_KEYS, ("actor", "verb", "object"))
        if "id" in statement:
            check_uuid(statement["id"], f"{path}.id")
        self.actor(statement["actor"], f"{path}.actor")
        self.verb(statement["verb"], f"{path}.verb")
        self.object(statement["object"], f"{path}.object", substatement_allowed=True)
        self._statement_common(statement, path)
        if "stored" in statement:
            self.timestamp(statement["stored"], f"{path}.stored")
        if "authority" in statement:
            self.authority(statement["authority"], f"{path}.authority")
        if "version" in statement:
            version = statement["version"]
            check_string(version, f"{path}.version")
            if not statement_version_ok(version, self.version):
                raise fail(f"statement version {version!r} is not supported", f"{path}.version")
        if statement["verb"]["id"] == VOIDED_VERB and statement["object"].get("objectType") != "StatementRef":
            raise fail("a voiding statement's object must be a StatementRef (Data 2.3.2)",
                       f"{path}.object.objectType")

    def _statement_common(self, statement: dict, path: str) -> None:
        if "result" in statement:
            self.result(statement["result"], f"{path}.result")
        if "context" in statement:
            self.context(statement["context"], f"{path}.context", statement["object"])
        if "timestamp" in statement:
            self.timestamp(statement["timestamp"], f"{path}.timestamp")
        if "attachments" in statement:
            self.attachments(statement["attachments"], f"{path}.attachments")

    def substatement(self, value: dict, path: str) -> None:
        for key in ("id", "stored", "version", "authority"):
            if key in value:
                raise fail(f"a SubStatement must not have {key!r} (Data 2.4.4.3)", f"{path}.{key}")
        check_object(value, path, SUBSTATEMENT_KEYS, ("actor", "verb", "object"))
        self.actor(value["actor"], f"{path}.actor")
        self.verb(value["verb"], f"{path}.verb")
        self.object(value["object"], f"{path}.object", substatement_allowed=False)
        self._statement_common(value, path)

    # -- actors -------------------------------------------------------------------------------------------

    def actor(self, value: Any, path: str) -> None:
        if not isinstance(value, dict):
            raise fail(f"must be an Agent or Group object, not {type_name(value)}", path)
        object_type = value.get("objectType", "Agent")
        if object_type == "Agent":
            self.agent(value, path)
        elif object_type == "Group":
            self.group(value, path)
        else:
            raise fail(f"objectType must be 'Agent' or 'Group', not {object_type!r}", f"{path}.objectType")

    def authority(self, value: Any, path: str) -> None:
        """An Agent, or (3-legged OAuth) a Group of exactly two Agents (Data 2.4.9)."""
        self.actor(value, path)
        if value.get("objectType") == "Group" and len(value.get("member", ())) != 2:
            raise fail("an authority that is a Group must have exactly two members (Data 2.4.9)",
                       f"{path}.member")

    def agent(self, value: Any, path: str) -> None:
        agent = check_object(value, path, AGENT_KEYS)
        if "objectType" in agent and agent["objectType"] != "Agent":
            raise fail(f"objectType must be 'Agent', not {agent['objectType']!r}", f"{path}.objectType")
        if "name" in agent:
            check_string(agent["name"], f"{path}.name")
        if self.ifi_count(agent, path) == 0:
            raise fail("an Agent must have exactly one inverse functional identifier "
                       "(mbox, mbox_sha1sum, openid or account)", path)

    def group(self, value: Any, path: str) -> None:
        group = check_object(value, path, GROUP_KEYS, ("objectType",))
        if group["objectType"] != "Group":
            raise fail(f"objectType must be 'Group', not {group['objectType']!r}", f"{path}.objectType")
        if "name" in group:
            check_string(group["name"], f"{path}.name")
        ifis = self.ifi_count(group, path)
        if ifis == 0 and "member" not in group:
            raise fail("an anonymous Group must list its members", f"{path}.member")
        if "member" in group:
            members = check_array(group["member"], f"{path}.member", non_empty=ifis == 0)
            for index, item in enumerate(members):
                member_path = f"{path}.member[{index}]"
                if isinstance(item, dict) and item.get("objectType") == "Group":
                    raise fail("a Group's members must be Agents, not Groups", f"{member_path}.objectType")
                self.agent(item, member_path)

    def ifi_count(self, actor: dict, path: str) -> int:
        """Check the inverse functional identifiers present; more than one is an error (Data 2.4.2.1-2)."""
        count = 0
        for key in IFI_KEYS:
            if key not in actor:
                continue
            count += 1
            if count > 1:
                raise fail("an Agent or identified Group must have exactly one inverse functional "
                           f"identifier, and {key!r} is a second one", path)
            value = actor[key]
            if key == "mbox":
                check_format(value, f"{path}.mbox", formats.is_mailto, "a mailto IRI")
            elif key == "mbox_sha1sum":
                check_format(value, f"{path}.mbox_sha1sum", formats.is_sha1, "a hex SHA-1 digest")
            elif key == "openid":
                check_iri(value, f"{path}.openid")
            else:
                account = check_object(value, f"{path}.account", ACCOUNT_KEYS, ("homePage", "name"))
                check_iri(account["homePage"], f"{path}.account.homePage")
                check_string(account["name"], f"{path}.account.name")
        return count

    # -- verb and object ----------------------------------------------------------------------------------

    def verb(self, value: Any, path: str) -> None:
        verb = check_object(value, path, VERB_KEYS, ("id",))
        check_iri(verb["id"], f"{path}.id")
        if "display" in verb:
            check_language_map(verb["display"], f"{path}.display")

    def object(self, value: Any, path: str, *, substatement_allowed: bool) -> None:
        if not isinstance(value, dict):
            raise fail(f"must be a JSON object, not {type_name(value)}", path)
        object_type = value.get("objectType", "Activity")
        if object_type == "Activity":
            self.activity(value, path)
        elif object_type == "Agent":
            self.agent(value, path)
        elif object_type == "Group":
            self.group(value, path)
        elif object_type == "StatementRef":
            self.statement_ref(value, path)
        elif object_type == "SubStatement":
            if not substatement_allowed:
                raise fail("a SubStatement must not contain a SubStatement", f"{path}.objectType")
            self.substatement(value, path)
        else:
            raise fail(f"objectType {object_type!r} is not one of Activity, Agent, Group, StatementRef, "
                       "SubStatement", f"{path}.objectType")

    def statement_ref(self, value: Any, path: str) -> None:
        ref = check_object(value, path, STATEMENT_REF_KEYS, ("objectType", "id"))
        if ref["objectType"] != "StatementRef":
            raise fail(f"objectType must be 'StatementRef', not {ref['objectType']!r}", f"{path}.objectType")
        check_uuid(ref["id"], f"{path}.id")

    def activity(self, value: Any, path: str) -> None:
        if isinstance(value, dict) and value.get("objectType", "Activity") != "Activity":
            raise fail(f"objectType must be 'Activity', not {value['objectType']!r}", f"{path}.objectType")
        activity = check_object(value, path, ACTIVITY_KEYS, ("id",))
        check_iri(activity["id"], f"{path}.id")
        if "definition" in activity:
            self.definition(activity["definition"], f"{path}.definition")

    def definition(self, value: Any, path: str) -> None:
        definition = check_object(value, path, DEFINITION_KEYS)
        for key in ("name", "description"):
            if key in definition:
                check_language_map(definition[key], f"{path}.{key}")
        if "type" in definition:
            check_iri(definition["type"], f"{path}.type")
        if "moreInfo" in definition:
            check_iri(definition["moreInfo"], f"{path}.moreInfo")
        if "extensions" in definition:
            check_extensions(definition["extensions"], f"{path}.extensions")
        self.interaction(definition, path)

    def interaction(self, definition: dict, path: str) -> None:
        lists = COMPONENT_LISTS.intersection(definition)
        if "interactionType" not in definition:
            if lists or "correctResponsesPattern" in definition:
                raise fail("interaction properties need an interactionType", f"{path}.interactionType")
            return
        kind = check_string(definition["interactionType"], f"{path}.interactionType")
        if kind not in INTERACTION_TYPES:
            raise fail(f"interactionType {kind!r} is not one of {', '.join(INTERACTION_TYPES)}",
                       f"{path}.interactionType")
        for name in sorted(lists - INTERACTION_TYPES[kind]):
            raise fail(f"{name!r} is not allowed for interactionType {kind!r}", f"{path}.{name}")
        if "correctResponsesPattern" in definition:
            for index, item in enumerate(check_array(definition["correctResponsesPattern"],
                                                     f"{path}.correctResponsesPattern")):
                check_string(item, f"{path}.correctResponsesPattern[{index}]")
        for name in lists:
            seen: set[str] = set()
            for index, component in enumerate(check_array(definition[name], f"{path}.{name}")):
                item_path = f"{path}.{name}[{index}]"
                check_object(component, item_path, COMPONENT_KEYS, ("id",))
                component_id = check_string(component["id"], f"{item_path}.id")
                if component_id in seen:
                    raise fail(f"interaction component id {component_id!r} is not distinct",
                               f"{item_path}.id")
                seen.add(component_id)
                if "description" in component:
                    check_language_map(component["description"], f"{item_path}.description")

    # -- result, context, timestamps, attachments ---------------------------------------------------------

    def result(self, value: Any, path: str) -> None:
        result = check_object(value, path, RESULT_KEYS)
        for key in ("success", "completion"):
            if key in result:
                check_bool(result[key], f"{path}.{key}")
        if "response" in result:
            check_string(result["response"], f"{path}.response")
        if "duration" in result:
            check_format(result["duration"], f"{path}.duration", formats.is_duration, "an ISO 8601 duration")
        if "extensions" in result:
            check_extensions(result["extensions"], f"{path}.extensions")
        if "score" in result:
            self.score(result["score"], f"{path}.score")

    def score(self, value: Any, path: str) -> None:
        score = check_object(value, path, SCORE_KEYS)
        numbers = {key: check_number(item, f"{path}.{key}") for key, item in score.items()}
        if "scaled" in numbers and not -1 <= numbers["scaled"] <= 1:
            raise fail("scaled must be between -1 and 1", f"{path}.scaled")
        low, high, raw = numbers.get("min"), numbers.get("max"), numbers.get("raw")
        if low is not None and high is not None and low >= high:
            raise fail("min must be less than max", f"{path}.min")
        if raw is not None and low is not None and raw < low:
            raise fail("raw must not be less than min", f"{path}.raw")
        if raw is not None and high is not None and raw > high:
            raise fail("raw must not be greater than max", f"{path}.raw")

    def context(self, value: Any, path: str, statement_object: dict) -> None:
        context = check_object(value, path, self.context_keys)
        if "registration" in context:
            check_uuid(context["registration"], f"{path}.registration")
        if "instructor" in context:
            self.actor(context["instructor"], f"{path}.instructor")
        if "team" in context:
            team = context["team"]
            if isinstance(team, dict) and team.get("objectType") != "Group":
                raise fail("team must be a Group, with objectType 'Group'", f"{path}.team.objectType")
            self.group(team, f"{path}.team")
        if "contextActivities" in context:
            self.context_activities(context["contextActivities"], f"{path}.contextActivities")
        for key in ("revision", "platform"):
            if key in context:
                check_string(context[key], f"{path}.{key}")
                if statement_object.get("objectType", "Activity") != "Activity":
                    raise fail(f"context.{key} is only allowed when the object is an Activity (Data 2.4.6)",
                               f"{path}.{key}")
        if "language" in context:
            check_format(context["language"], f"{path}.language", formats.is_language_tag,
                         "an RFC 5646 language tag")
        if "statement" in context:
            self.statement_ref(context["statement"], f"{path}.statement")
        if "extensions" in context:
            check_extensions(context["extensions"], f"{path}.extensions")
        if "contextAgents" in context:
            self.context_agents(context["contextAgents"], f"{path}.contextAgents")
        if "contextGroups" in context:
            self.context_groups(context["contextGroups"], f"{path}.contextGroups")

    def context_activities(self, value: Any, path: str) -> None:
        activities = check_object(value, path, CONTEXT_ACTIVITY_KEYS)
        for key, item in activities.items():
            if isinstance(item, list):
                for index, activity in enumerate(check_array(item, f"{path}.{key}")):
                    self.activity(activity, f"{path}.{key}[{index}]")
            else:
                self.activity(item, f"{path}.{key}")

    def _relevant_types(self, entry: dict, path: str) -> None:
        if "relevantTypes" in entry:
            for index, iri in enumerate(check_array(entry["relevantTypes"], f"{path}.relevantTypes",
                                                    non_empty=True)):
                check_iri(iri, f"{path}.relevantTypes[{index}]")

    def context_agents(self, value: Any, path: str) -> None:
        for index, entry in enumerate(check_array(value, path)):
            item_path = f"{path}[{index}]"
            check_object(entry, item_path, CONTEXT_AGENT_KEYS, ("objectType", "agent"))
            if entry["objectType"] != "contextAgent":
                raise fail("objectType must be 'contextAgent'", f"{item_path}.objectType")
            agent = entry["agent"]
            if isinstance(agent, dict) and agent.get("objectType", "Agent") != "Agent":
                raise fail("a contextAgent's agent must be an Agent", f"{item_path}.agent.objectType")
            self.agent(agent, f"{item_path}.agent")
            self._relevant_types(entry, item_path)

    def context_groups(self, value: Any, path: str) -> None:
        for index, entry in enumerate(check_array(value, path)):
            item_path = f"{path}[{index}]"
            check_object(entry, item_path, CONTEXT_GROUP_KEYS, ("objectType", "group"))
            if entry["objectType"] != "contextGroup":
                raise fail("objectType must be 'contextGroup'", f"{item_path}.objectType")
            self.group(entry["group"], f"{item_path}.group")
            self._relevant_types(entry, item_path)

    def timestamp(self, value: Any, path: str) -> None:
        if formats.parse_timestamp(value, allow_space=self.timestamp_space) is None:
            raise fail(f"{value!r} is not an ISO 8601 timestamp", path)

    def attachments(self, value: Any, path: str) -> None:
        for index, item in enumerate(check_array(value, path)):
            item_path = f"{path}[{index}]"
            attachment = check_object(item, item_path, ATTACHMENT_KEYS,
                                      ("usageType", "display", "contentType", "length", "sha2"))
            check_iri(attachment["usageType"], f"{item_path}.usageType")
            check_language_map(attachment["display"], f"{item_path}.display")
            if "description" in attachment:
                check_language_map(attachment["description"], f"{item_path}.description")
            check_format(attachment["contentType"], f"{item_path}.contentType", formats.is_media_type,
                         "an Internet media type")
            length = attachment["length"]
            if isinstance(length, bool) or not isinstance(length, int) or length < 0:
                raise fail("length must be a non-negative integer", f"{item_path}.length")
            check_format(attachment["sha2"], f"{item_path}.sha2", formats.is_sha2, "a hex SHA-2 digest")
            if "fileUrl" in attachment:
                check_iri(attachment["fileUrl"], f"{item_path}.fileUrl")


def validate_statements(statements: list, version: str, path: str = "$") -> None:
    """Validate a batch; raise on the first invalid statement, with its index in the path."""
    validator = StatementValidator(version)
    for index, statement in enumerate(statements):
        validator.statement(statement, f"{path}[{index}]")
