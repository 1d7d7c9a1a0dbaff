"""GitHub webhooks as code-review statements (the statement shape is in ``plugins.code_review``).

What is recorded, by ``X-GitHub-Event`` and ``action`` (everything else is acknowledged and ignored):

| event, action                               | verb (template), result        | actor        | timestamp    |
|---------------------------------------------|--------------------------------|--------------|--------------|
| pull_request opened (not a draft)           | opened                         | the author   | created_at   |
| pull_request ready_for_review               | opened                         | the author   | updated_at   |
| pull_request closed, merged                 | merged, completion             | merged_by    | merged_at    |
| pull_request closed, not merged             | closed, completion false       | the sender   | closed_at    |
| pull_request review_requested               | requested-review, reviewer     | the sender   | updated_at   |
| pull_request_review submitted: approved     | approved, success true         | the reviewer | submitted_at |
| pull_request_review submitted: changes_req. | requested-changes, success no  | the reviewer | submitted_at |
| pull_request_review submitted: commented    | reviewed                       | the reviewer | submitted_at |
| pull_request_review dismissed               | dismissed-review, reviewer     | the sender   | see below    |
| pull_request_review_comment created         | commented, response            | commenter    | created_at   |

A draft is recorded when it is marked ready for review. ``reviewer`` (a context extension) is the person asked
to review, or a team as an identified Group named ``organisation/team-slug``; for a dismissed review it is the
review's author, and the review is a context activity. A dismissal's payload carries no time of its own: its
timestamp is the pull request's ``updated_at``, or the review's ``submitted_at`` when that is later (a review
is dismissed after it is submitted). ``ping`` is acknowledged.

Deliveries are signed: ``X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body>`` under the source's
secret, checked in constant time. Statement ids are uuid5 of ``X-GitHub-Delivery`` and the statement's role,
so a redelivery stores nothing twice. Accounts are on https://github.com, or on the ``homepage`` option
(GitHub Enterprise Server).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from lrs.plugin_host.base import Event, EventError, SourcePlugin, Translation, VerificationError
from plugins import code_review
from plugins.code_review import Change, Fields, statement, total

GITHUB = "https://github.com"


@dataclass(frozen=True)
class _Delivery:
    payload: Fields
    homepage: str
    delivery: str

    def agent(self, user: Fields) -> dict:
        return SourcePlugin.account(self.homepage, user.text("login"))

    def change(self, pull: Fields) -> Change:
        repository = self.payload.obj("repository")
        additions, deletions = pull.count("additions"), pull.count("deletions")
        return Change(
            url=pull.text("html_url"), title=pull.text("title"), repository_url=repository.text("html_url"),
            repository=repository.text("full_name"), platform="GitHub", author=self.agent(pull.obj("user")),
            lines_changed=None if additions is None or deletions is None else additions + deletions,
        )

    def team(self, team: Fields) -> dict:
        """A team of reviewers as an identified Group: its account is ``organisation/team-slug``."""
        owner = self.payload.obj("repository").obj("owner").text("login")
        group: dict = {"objectType": "Group",
                       "account": {"homePage": self.homepage, "name": f"{owner}/{team.text('slug')}"}}
        name = team.maybe_text("name")
        if name:
            group["name"] = name
        return group

    def id(self, role: str) -> str:
        return SourcePlugin.statement_id("github", self.delivery, role)


def _head(pull: Fields) -> str | None:
    head = pull.maybe_obj("head")
    return head.maybe_text("sha") if head else None


def _opened(event: _Delivery) -> Translation:
    pull = event.payload.obj("pull_request")
    if pull.get("draft") is True:
        return Translation(ignored="a draft pull request is recorded when it is marked ready for review")
    return _proposed(event, pull, pull.timestamp("created_at"))


def _ready(event: _Delivery) -> Translation:
    pull = event.payload.obj("pull_request")
    return _proposed(event, pull, pull.timestamp("updated_at"))


def _proposed(event: _Delivery, pull: Fields, when: str) -> Translation:
    change = event.change(pull)
    return Translation([statement(event.id("opened"), event.agent(pull.obj("user")), "opened", change, when,
                                  revision=_head(pull))])


def _closed(event: _Delivery) -> Translation:
    pull = event.payload.obj("pull_request")
    if pull.get("merged") is not True:
        return _closed_without_merge(event, pull)
    merger = pull.maybe_obj("merged_by") or event.payload.obj("sender")
    result: dict = {"completion": True}
    comments = total(pull.count("comments"), pull.count("review_comments"))
    if comments is not None:
        result["extensions"] = {code_review.EXT_COMMENTS_RECEIVED: comments}
    return Translation([statement(event.id("merged"), event.agent(merger), "merged", event.change(pull),
                                  pull.timestamp("merged_at"), result=result, revision=_head(pull))])


def _closed_without_merge(event: _Delivery, pull: Fields) -> Translation:
    return Translation([statement(event.id("closed"), event.agent(event.payload.obj("sender")), "closed",
                                  event.change(pull), pull.timestamp("closed_at"),
                                  result={"completion": False}, revision=_head(pull))])


def _review_requested(event: _Delivery) -> Translation:
    pull = event.payload.obj("pull_request")
    team = event.payload.maybe_obj("requested_team")
    reviewer = event.team(team) if team else event.agent(event.payload.obj("requested_reviewer"))
    return Translation([statement(event.id("requested-review"), event.agent(event.payload.obj("sender")),
                                  "requested-review", event.change(pull), pull.timestamp("updated_at"),
                                  revision=_head(pull), reviewer=reviewer)])


# review state -> (template, result.success); a review without verdict has no success
_VERDICTS: dict[str, tuple[str, bool | None]] = {
    "approved": ("approved", True),
    "changes_requested": ("requested-changes", False),
    "commented": ("reviewed", None),
}


def _review(event: _Delivery) -> Translation:
    review = event.payload.obj("review")
    state = review.text("state").lower()
    if state not in _VERDICTS:
        return Translation(ignored=f"a review in state {state!r} is not recorded")
    kind, success = _VERDICTS[state]
    result: dict = {} if success is None else {"success": success}
    body = review.maybe_text("body")
    if body is not None or kind == "requested-changes":  # that template needs a response, even an empty one
        result["response"] = body or ""
    pull = event.payload.obj("pull_request")
    return Translation([statement(
        event.id(kind), event.agent(review.obj("user")), kind, event.change(pull),
        review.timestamp("submitted_at"), result=result or None, revision=review.maybe_text("commit_id"),
        review_url=review.maybe_text("html_url"),
    )])


def _dismissed(event: _Delivery) -> Translation:
    review = event.payload.obj("review")
    pull = event.payload.obj("pull_request")
    moments = [pull.timestamp("updated_at")]
    if review.get("submitted_at") is not None:
        moments.append(review.timestamp("submitted_at"))
    reviewer = review.maybe_obj("user")
    return Translation([statement(
        event.id("dismissed-review"), event.agent(event.payload.obj("sender")), "dismissed-review",
        event.change(pull), code_review.latest(*moments), revision=_head(pull),
        review_url=review.maybe_text("html_url"), reviewer=event.agent(reviewer) if reviewer else None,
    )])


def _review_comment(event: _Delivery) -> Translation:
    comment = event.payload.obj("comment")
    pull = event.payload.obj("pull_request")
    change = event.change(pull)
    review_id = comment.get("pull_request_review_id")
    review_url = f"{change.url}#pullrequestreview-{review_id}" if isinstance(review_id, int) else None
    return Translation([statement(
        event.id("commented"), event.agent(comment.obj("user")), "commented", change,
        comment.timestamp("created_at"), result={"response": comment.text("body")},
        revision=comment.maybe_text("commit_id"), review_url=review_url,
    )])


Handler = Callable[[_Delivery], Translation] | str  # a string: why the action is not recorded
EVENTS: dict[str, dict[str, Handler]] = {
    "pull_request": {
        "opened": _opened,
        "ready_for_review": _ready,
        "closed": _closed,
        "review_requested": _review_requested,
    },
    "pull_request_review": {
        "submitted": _review,
        "dismissed": _dismissed,
    },
    "pull_request_review_comment": {"created": _review_comment},
}


class GitHubSource(SourcePlugin):
    name = "github"
    title = "GitHub"
    profile = code_review.PROFILE

    def configure(self, options: dict[str, Any]) -> dict[str, Any]:
        return code_review.configure_homepage(options)

    def verify(self, headers: Mapping[str, str], raw_body: bytes, secret: str,
               options: Mapping[str, Any]) -> None:
        sent = headers.get("x-hub-signature-256")
        if not sent:
            legacy = " (the SHA-1 X-Hub-Signature is not accepted)" if "x-hub-signature" in headers else ""
            raise VerificationError(f"X-Hub-Signature-256 is missing{legacy}")
        if not secret:
            raise VerificationError("the source has no secret to check X-Hub-Signature-256 with")
        expected = "sha256=" + hmac.new(secret.encode(), raw_body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(sent.encode("utf-8", "replace"), expected.encode()):
            raise VerificationError("X-Hub-Signature-256 does not match the body: a wrong secret or a "
                                    "changed body")

    def translate(self, event: Event) -> Translation:
        kind = event.headers.get("x-github-event")
        if not kind:
            raise EventError("the X-GitHub-Event header is missing", "X-GitHub-Event")
        if kind == "ping":
            return Translation(ignored="ping: GitHub checks that the webhook works; nothing to record")
        actions = EVENTS.get(kind)
        if actions is None:
            return Translation(ignored=f"GitHub {kind!r} events are not recorded")
        payload = Fields(event.payload)
        action = payload.text("action")
        handler = actions.get(action)
        if handler is None:
            return Translation(ignored=f"GitHub {kind} events with action {action!r} are not recorded")
        if isinstance(handler, str):
            return Translation(ignored=handler)
        delivery = event.headers.get("x-github-delivery")
        if not delivery:
            raise EventError("the X-GitHub-Delivery header is missing: statement ids are made from it",
                             "X-GitHub-Delivery")
        return handler(_Delivery(payload, event.homepage or GITHUB, delivery))
