"""Discussion and feedback: forums, messages, comments and ratings, surveys and their invitations."""

from __future__ import annotations

from .. import vocabulary as v
from ..converter import Converter, Envelope, generated_id
from ..entities import chain, ident, joined, kind, prop, text
from ..vocabulary import Verb


class ForumConverter(Converter):
    type = "ForumEvent"
    verbs = {"Subscribed": v.FOLLOWED, "Unsubscribed": v.STOPPED_FOLLOWING}
    object_type = v.FORUM


class MessageConverter(Converter):
    """Posted: a reply (``replyTo``) was replied; a first message was created. The body is the response."""

    type = "MessageEvent"
    verbs = {"Posted": v.CREATED}
    object_type = v.MESSAGE

    def verb(self, event: dict) -> Verb:
        verb = super().verb(event)
        return v.REPLIED if ident(prop(event.get("object"), "replyTo")) is not None else verb

    def result(self, event: dict, env: Envelope) -> dict:
        body = text(event.get("object"), "body")
        return {"response": body} if body is not None else {}

    def context_activities(self, event: dict, env: Envelope, obj: dict) -> dict:
        activities = super().context_activities(event, env, obj)
        reply_to = prop(event.get("object"), "replyTo")
        if ident(reply_to) is not None:
            activities.setdefault("other", []).append(env.activity(reply_to, v.MESSAGE, "replyTo"))
        return activities


class FeedbackConverter(Converter):
    """Commented: the Comment's text is the response. Ranked: the Rating's selections are."""

    type = "FeedbackEvent"
    verbs = {"Commented": v.COMMENTED, "Ranked": v.RATED}
    object_type = v.ENTITY

    def result(self, event: dict, env: Envelope) -> dict:
        generated = event.get("generated")
        key = {"Comment": "value", "Rating": "selections"}.get(kind(generated) or "")
        written = joined(prop(generated, key)) if key else None
        result: dict = {"response": written} if written is not None else {}
        if generated_id(event):
            result["extensions"] = generated_id(event)
        return result


class SurveyConverter(Converter):
    type = "SurveyEvent"
    verbs = {"OptedIn": v.OPTED_IN, "OptedOut": v.OPTED_OUT}
    object_type = v.SURVEY


class SurveyInvitationConverter(Converter):
    """The invitation's survey is its parent."""

    type = "SurveyInvitationEvent"
    verbs = {"Sent": v.SENT, "Accepted": v.ACCEPTED, "Declined": v.REJECTED}
    object_type = v.SURVEY_INVITATION

    def containers(self, event: dict) -> list:
        survey = prop(event.get("object"), "survey")
        return [survey, *chain(survey, "isPartOf")] if ident(survey) is not None else []
