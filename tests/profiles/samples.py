"""Sample statements, one per template of the project's three profiles, each matching its template."""

from __future__ import annotations

import uuid

from .helpers import BASE

ADL = "http://adlnet.gov/expapi/verbs/"
CR, ML, CE = BASE + "code-review", BASE + "micro-learning", BASE + "certification"
ACTOR = {"objectType": "Agent", "name": "Ada", "mbox": "mailto:ada@example.org"}
REPO = {
    "id": "https://git.example.org/acme/lrs",
    "objectType": "Activity",
    "definition": {"type": f"{CR}/activity-types/repository"},
}
CHANGE = {
    "id": "https://git.example.org/acme/lrs/pulls/7",
    "objectType": "Activity",
    "definition": {
        "type": f"{CR}/activity-types/change-request",
        "name": {"en": "Add profiles"},
        "extensions": {f"{CR}/extensions/lines-changed": 120},
    },
}
REVIEWER = {
    "objectType": "Agent",
    "name": "Grace",
    "account": {"homePage": "https://git.example.org", "name": "grace"},
}
REVIEW = {
    "id": "https://git.example.org/acme/lrs/pulls/7#review-3",
    "objectType": "Activity",
    "definition": {"type": f"{CR}/activity-types/review"},
}
LESSON = {
    "id": "https://learn.example.org/lessons/42",
    "objectType": "Activity",
    "definition": {"type": f"{ML}/activity-types/micro-lesson", "name": {"en": "Greedy patterns"}},
}
QUESTION = {
    "id": "https://learn.example.org/lessons/42/q1",
    "objectType": "Activity",
    "definition": {
        "type": "http://adlnet.gov/expapi/activities/cmi.interaction",
        "interactionType": "true-false",
        "correctResponsesPattern": ["true"],
    },
}
MOMENT = {
    "id": "https://learn.example.org/moments/9",
    "objectType": "Activity",
    "definition": {"type": f"{ML}/activity-types/learning-moment", "name": {"en": "No backtracking"}},
}
CERT = {
    "id": "https://certs.example.org/lrs-admin",
    "objectType": "Activity",
    "definition": {"type": f"{CE}/activity-types/certification"},
}
ISSUER = {
    "id": "https://certs.example.org",
    "objectType": "Activity",
    "definition": {"type": f"{CE}/activity-types/issuer"},
}


def _statement(verb: str, obj: dict, *, profile: str, context: dict | None = None, **extra) -> dict:
    context = dict(context or {})
    activities = context.setdefault("contextActivities", {})
    activities.setdefault("category", []).append({"id": f"{profile}/v1.0"})
    return {
        "id": str(uuid.uuid4()),
        "timestamp": "2026-02-01T10:00:00Z",
        "actor": ACTOR,
        "verb": {"id": verb},
        "object": obj,
        "context": context,
        **extra,
    }


def code_review(kind: str) -> dict:
    """A statement of one code-review template, named by the template's last path segment."""
    verb = {
        "commented": ADL + "commented",
        "closed-without-merge": f"{CR}/verbs/closed",
    }.get(kind, f"{CR}/verbs/{kind}")
    context = {
        "contextActivities": {"grouping": [REPO]},
        "extensions": {f"{CR}/extensions/repository": "acme/lrs"},
    }
    if kind in ("requested-review", "dismissed-review"):
        context["extensions"][f"{CR}/extensions/reviewer"] = REVIEWER
    if kind == "dismissed-review":
        context["contextActivities"]["other"] = [REVIEW]
    result = {
        "opened": None,
        "commented": {"response": "Looks reasonable."},
        "reviewed": {"extensions": {f"{CR}/extensions/comment-count": 3}},
        "approved": {"success": True},
        "requested-changes": {"success": False, "response": "Please add tests."},
        "merged": {"completion": True},
        "closed-without-merge": {"completion": False},
        "updated": None,
        "requested-review": None,
        "dismissed-review": None,
        "withdrew-approval": None,
    }[kind]
    extra = {} if result is None else {"result": result}
    return _statement(verb, CHANGE, profile=CR, context=context, **extra)


def micro_learning(kind: str) -> dict:
    if kind == "started":
        return _statement(f"{ML}/verbs/started", LESSON, profile=ML)
    if kind == "answered":
        return _statement(
            ADL + "answered",
            QUESTION,
            profile=ML,
            context={"contextActivities": {"grouping": [LESSON]}},
            result={"response": "true", "success": True, "extensions": {f"{ML}/extensions/confidence": 0.8}},
        )
    if kind == "completed":
        return _statement(
            ADL + "completed", LESSON, profile=ML, result={"completion": True, "duration": "PT4M"}
        )
    if kind in ("mentored", "was-mentored"):
        session = {"id": "https://learn.example.org/mentoring/5", "objectType": "Activity",
                   "definition": {"type": f"{ML}/activity-types/mentoring-session",
                                  "name": {"en": "Code review habits"}}}
        partner = {"objectType": "Agent", "mbox": "mailto:grace@example.org"}
        return _statement(f"{ML}/verbs/{kind}", session, profile=ML,
                          context={"extensions": {f"{ML}/extensions/mentoring-partner": partner}},
                          result={"duration": "PT45M"})
    assert kind == "shared"
    return _statement(
        ADL + "shared", MOMENT, profile=ML, context={"extensions": {f"{ML}/extensions/channel": "#learning"}}
    )


def certification(kind: str, ref: str | None = None) -> dict:
    context = {"contextActivities": {"parent": [ISSUER]}}
    if kind == "earned":
        return _statement(
            "http://id.tincanapi.com/verb/earned",
            CERT,
            profile=CE,
            context=context,
            result={"success": True, "extensions": {f"{CE}/extensions/expires-at": "2027-02-01T00:00:00Z"}},
        )
    if kind == "renewed":
        context["statement"] = {"objectType": "StatementRef", "id": ref or str(uuid.uuid4())}
        return _statement(
            f"{CE}/verbs/renewed",
            CERT,
            profile=CE,
            context=context,
            result={"extensions": {f"{CE}/extensions/expires-at": "2028-02-01T00:00:00Z"}},
        )
    if kind == "expired":
        return _statement(f"{CE}/verbs/expired", CERT, profile=CE, context=context)
    assert kind == "revoked"
    return _statement(
        f"{CE}/verbs/revoked",
        {"objectType": "StatementRef", "id": ref or str(uuid.uuid4())},
        profile=CE,
        result={"extensions": {f"{CE}/extensions/revocation-reason": "fraud"}},
    )


SAMPLES = {
    "code-review": (
        code_review,
        (
            "opened",
            "commented",
            "reviewed",
            "approved",
            "requested-changes",
            "merged",
            "closed-without-merge",
            "updated",
            "requested-review",
            "dismissed-review",
            "withdrew-approval",
        ),
    ),
    "micro-learning": (micro_learning, ("started", "answered", "completed", "shared", "mentored", "was-mentored")),
    "certification": (certification, ("earned", "renewed", "expired", "revoked")),
}
