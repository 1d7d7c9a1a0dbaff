"""What the GitHub and GitLab plugins share: the code-review profile's vocabulary, a payload reader that
names the JSON path of whatever is missing, and the one shape of statement both build.

A statement about a change request (a pull request or merge request) says:

- ``actor``: who acted, an account on the code host (``homePage`` the host, ``name`` the login).
- ``verb``: the profile's verb (opened, updated, requested-review, reviewed, approved, requested-changes,
  dismissed-review, withdrew-approval, merged, closed) or ADL's commented.
- ``object``: the change request: id its web URL, type change-request, name its title, ``lines-changed``
  when the payload counts them.
- ``context.contextActivities``: ``grouping`` the repository (type repository, id its web URL);
  ``category`` the profile version (structure §5: the statement follows the profile's templates);
  ``other`` the review a statement belongs to, when there is one (type review).
- ``context.extensions``: ``repository`` (its full name) and ``change-author``, the change request's author
  as an Agent: who reviewed or commented on whose change. xAPI 1.0.3 has no contextAgents and
  ``context.instructor`` would say something else, so the author is a context extension of the profile;
  so is ``reviewer``, the one asked to review (requested-review) or whose review was dismissed.
- ``context.revision``: the commit the actor looked at, when the payload names it; ``context.platform``.
- ``result``: the outcome (``success`` true for approved, false for requested-changes), the text written
  (``response``), ``completion`` (true for merged, false for closed without merge), and counts
  (``comment-count``, ``comments-received``).
- ``timestamp``: from the payload, never the clock.

No ``registration``: deliveries arrive late, twice or not at all, and comments follow merges, so the
profile's review-cycle pattern would judge the webhook's luck rather than the review.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from lrs.plugin_host.base import EventError, PluginConfigError

PROFILE = "https://w3id.org/xapi/lrs/profiles/code-review"
PROFILE_VERSION = f"{PROFILE}/v1.0"
PROFILE_ACTIVITY_TYPE = "http://adlnet.gov/expapi/activities/profile"

VERBS = {
    "opened": (f"{PROFILE}/verbs/opened", "opened"),
    "reviewed": (f"{PROFILE}/verbs/reviewed", "reviewed"),
    "approved": (f"{PROFILE}/verbs/approved", "approved"),
    "requested-changes": (f"{PROFILE}/verbs/requested-changes", "requested changes"),
    "merged": (f"{PROFILE}/verbs/merged", "merged"),
    "closed": (f"{PROFILE}/verbs/closed", "closed"),
    "updated": (f"{PROFILE}/verbs/updated", "updated"),
    "requested-review": (f"{PROFILE}/verbs/requested-review", "requested review"),
    "dismissed-review": (f"{PROFILE}/verbs/dismissed-review", "dismissed review"),
    "withdrew-approval": (f"{PROFILE}/verbs/withdrew-approval", "withdrew approval"),
    "commented": ("http://adlnet.gov/expapi/verbs/commented", "commented"),
}
CHANGE_REQUEST = f"{PROFILE}/activity-types/change-request"
REPOSITORY = f"{PROFILE}/activity-types/repository"
REVIEW = f"{PROFILE}/activity-types/review"
EXT_REPOSITORY = f"{PROFILE}/extensions/repository"
EXT_CHANGE_AUTHOR = f"{PROFILE}/extensions/change-author"
EXT_REVIEWER = f"{PROFILE}/extensions/reviewer"
EXT_LINES_CHANGED = f"{PROFILE}/extensions/lines-changed"
EXT_COMMENT_COUNT = f"{PROFILE}/extensions/comment-count"
EXT_COMMENTS_RECEIVED = f"{PROFILE}/extensions/comments-received"
# Titles and names are written by people in any language: "und" (BCP 47: undetermined) says so.
TEXT_LANGUAGE = "und"

_GITLAB_UTC = re.compile(r"^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2}(?:\.\d+)?) ?(UTC|Z|[+-]\d{2}:?\d{2})$")


def _kind(value: Any) -> str:
    return {dict: "an object", list: "an array", str: "a string", bool: "a boolean", type(None): "null"}.get(
        type(value), "a number")


class Fields:
    """One JSON object of a payload; every read of a required member names its JSON path when it fails."""

    def __init__(self, data: Any, path: str = "$"):
        if not isinstance(data, dict):
            raise EventError(f"{path} must be a JSON object, not {_kind(data)}", path)
        self.data = data
        self.path = path

    def at(self, key: str) -> str:
        return f"{self.path}.{key}"

    def _required(self, key: str) -> Any:
        value = self.data.get(key)
        if value is None:
            raise EventError(f"{self.at(key)} is missing", self.at(key))
        return value

    def obj(self, key: str) -> Fields:
        return Fields(self._required(key), self.at(key))

    def maybe_obj(self, key: str) -> Fields | None:
        return None if self.data.get(key) is None else self.obj(key)

    def text(self, key: str) -> str:
        value = self._required(key)
        if not isinstance(value, str) or not value.strip():
            raise EventError(f"{self.at(key)} must be a non-empty string, not {_kind(value)}", self.at(key))
        return value

    def maybe_text(self, key: str) -> str | None:
        """A string that may be absent, null or empty (None then); any other type is an error."""
        value = self.data.get(key)
        if value is None or value == "":
            return None
        if not isinstance(value, str):
            raise EventError(f"{self.at(key)} must be a string, not {_kind(value)}", self.at(key))
        return value

    def count(self, key: str) -> int | None:
        value = self.data.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise EventError(f"{self.at(key)} must be a count (an integer >= 0), not {value!r}", self.at(key))
        return value

    def timestamp(self, key: str) -> str:
        return timestamp(self.text(key), self.at(key))

    def get(self, key: str, default: Any = None) -> Any:
        return self.data.get(key, default)


def timestamp(value: str, path: str) -> str:
    """ISO 8601 in UTC from GitHub's ``2019-05-15T15:20:33Z`` or GitLab's ``2015-05-17 18:21:36 UTC``."""
    text = value.strip()
    match = _GITLAB_UTC.match(text)
    if match:
        day, time, zone = match.groups()
        text = f"{day}T{time}{'+00:00' if zone in ('UTC', 'Z') else zone}"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise EventError(f"{path} is not a timestamp: {value!r}", path) from None
    if moment.tzinfo is None:
        raise EventError(f"{path} has no time zone: {value!r}", path)
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def latest(*stamps: str) -> str:
    """The latest of timestamps made by ``timestamp`` (compared as moments, not as text)."""
    return max(stamps, key=datetime.fromisoformat)


def _is_site(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc) and not parts.query and not parts.fragment


def configure_homepage(options: Mapping[str, Any]) -> dict[str, Any]:
    """The only option of the code-host plugins: ``homepage``, the host's URL for actor accounts."""
    unknown = sorted(set(options) - {"homepage"})
    if unknown:
        raise PluginConfigError(f"unknown option {unknown[0]!r} (the only option is homepage)",
                                f"options.{unknown[0]}")
    if "homepage" not in options:
        return {}
    homepage = options["homepage"]
    if not _is_site(homepage):
        raise PluginConfigError(f"homepage must be an http(s) URL such as https://git.example.com, "
                                f"not {homepage!r}", "options.homepage")
    return {"homepage": homepage.rstrip("/")}


@dataclass(frozen=True)
class Change:
    """The change request a statement is about, as one event shows it."""

    url: str
    title: str
    repository_url: str
    repository: str  # full name: owner/name, or group/subgroup/name
    platform: str  # "GitHub", "GitLab"
    author: dict | None = None  # an Agent, when the payload says who wrote the change
    lines_changed: int | None = None


def _activity(activity_id: str, activity_type: str, name: str | None = None) -> dict:
    definition: dict = {"type": activity_type}
    if name:
        definition["name"] = {TEXT_LANGUAGE: name}
    return {"objectType": "Activity", "id": activity_id, "definition": definition}


def statement(statement_id: str, actor: dict, kind: str, change: Change, when: str, *,
              result: dict | None = None, revision: str | None = None, review_url: str | None = None,
              reviewer: dict | None = None) -> dict:
    """The statement of one thing that happened to a change request (see the module docstring)."""
    verb_id, display = VERBS[kind]
    obj = _activity(change.url, CHANGE_REQUEST, change.title)
    if change.lines_changed is not None:
        obj["definition"]["extensions"] = {EXT_LINES_CHANGED: change.lines_changed}
    activities: dict = {
        "grouping": [_activity(change.repository_url, REPOSITORY, change.repository)],
        "category": [_activity(PROFILE_VERSION, PROFILE_ACTIVITY_TYPE)],
    }
    if review_url:
        activities["other"] = [_activity(review_url, REVIEW)]
    extensions: dict = {EXT_REPOSITORY: change.repository}
    if change.author is not None:
        extensions[EXT_CHANGE_AUTHOR] = change.author
    if reviewer is not None:
        extensions[EXT_REVIEWER] = reviewer
    context: dict = {"contextActivities": activities, "extensions": extensions, "platform": change.platform}
    if revision:
        context["revision"] = revision
    out: dict = {"id": statement_id, "actor": actor, "verb": {"id": verb_id, "display": {"en": display}},
                 "object": obj}
    if result:
        out["result"] = result
    return {**out, "context": context, "timestamp": when}


def total(*counts: int | None) -> int | None:
    """The sum of the counts the payload has (None when it has none of them)."""
    present = [n for n in counts if n is not None]
    return sum(present) if present else None
