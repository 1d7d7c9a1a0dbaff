"""GitLab webhooks as code-review statements (the statement shape is in ``plugins.code_review``).

What is recorded, by ``X-Gitlab-Event`` and ``object_attributes.action`` (everything else is acknowledged
and ignored):

| event / action                                   | verb (template)           | actor          | timestamp  |
|--------------------------------------------------|---------------------------|----------------|------------|
| Merge Request Hook open (not a draft)            | opened                    | the user       | created_at |
| Merge Request Hook update that marks it ready    | opened                    | the user       | updated_at |
| Merge Request Hook any other update              | updated                   | the user       | updated_at |
| Merge Request Hook approved, approval            | approved (success true)   | the approver   | updated_at |
| Merge Request Hook unapproved, unapproval        | withdrew-approval         | the user       | updated_at |
| Merge Request Hook merge                         | merged                    | the merger     | updated_at |
| Merge Request Hook close                         | closed (completion false) | the user       | updated_at |
| Note Hook on a merge request, created by a person| commented                 | the commenter  | created_at |

GitLab sends ``approval`` when one approval leaves the merge request short of its required approvals and
``approved`` when it completes them: both are one person approving; likewise ``unapproval`` and
``unapproved`` are both one person withdrawing their approval. An update is new commits (``oldrev`` is then
in the payload) or an edit (title, description, labels, assignees...): both are ``updated``, except the update
that marks a draft ready, which is when the merge request is recorded as opened. Reopening (the opening was
recorded), other actions, system notes, notes on commits, issues or snippets and every other hook (pushes,
pipelines, confidential notes) are acknowledged and ignored.

``X-Gitlab-Token`` is the source's secret itself (not an HMAC), compared in constant time. Statement ids are
uuid5 of the event's identity: ``Idempotency-Key`` (GitLab 17.4+, the same on every retry) or else
``X-Gitlab-Event-UUID``, always with the payload's own key (project URL, object kind and id, action, user,
updated_at): recursive webhooks (a bot's comment on an event) share one event UUID, and older GitLab sends
neither header. Accounts are on the GitLab instance the payload comes from (``project.web_url`` without the
project's path), or on the ``homepage`` option; their name is the username (the name people know).
GitLab's merge-request payloads name the author only by id: ``change-author`` is given when that id is one of
the users the payload describes (the user acting, assignees, reviewers).
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any
from urllib.parse import urlsplit

from lrs.plugin_host.base import Event, EventError, SourcePlugin, Translation, VerificationError
from plugins import code_review
from plugins.code_review import Change, Fields, statement


def instance_url(project: Fields) -> str:
    """The GitLab instance's URL: the project's web URL without the project's path (relative roots kept)."""
    web_url = project.text("web_url").rstrip("/")
    parts = urlsplit(web_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise EventError(f"{project.at('web_url')} is not a URL: {web_url!r}", project.at("web_url"))
    path = project.maybe_text("path_with_namespace")
    if path and parts.path.endswith("/" + path):
        return web_url[: -len(path) - 1]
    return f"{parts.scheme}://{parts.netloc}"


@dataclass(frozen=True)
class _Hook:
    payload: Fields
    option_homepage: str
    identity: str  # Idempotency-Key or X-Gitlab-Event-UUID, "" when GitLab sent neither

    @classmethod
    def of(cls, event: Event) -> _Hook:
        identity = event.headers.get("idempotency-key") or event.headers.get("x-gitlab-event-uuid") or ""
        return cls(Fields(event.payload), event.homepage, identity)

    @cached_property
    def homepage(self) -> str:
        return self.option_homepage or instance_url(self.payload.obj("project"))

    def agent(self, user: Fields) -> dict:
        return SourcePlugin.account(self.homepage, user.text("username"), user.maybe_text("name"))

    def author(self, author_id: Any) -> dict | None:
        """The author as an Agent, when one of the users in the payload has the author's id."""
        if author_id is None:
            return None
        users = [("$.user", self.payload.get("user"))]
        for key in ("assignees", "reviewers"):
            members = self.payload.get(key)
            if isinstance(members, list):
                users += [(f"$.{key}[{i}]", user) for i, user in enumerate(members)]
        for path, user in users:
            if isinstance(user, dict) and user.get("id") == author_id and user.get("username"):
                return self.agent(Fields(user, path))
        return None

    def change(self, url: str, title: str, author_id: Any) -> Change:
        project = self.payload.obj("project")
        return Change(url=url, title=title, repository_url=project.text("web_url").rstrip("/"),
                      repository=project.text("path_with_namespace"), platform="GitLab",
                      author=self.author(author_id))

    def id(self, attributes: Fields, role: str) -> str:
        """uuid5 of the delivery's identity header and the payload's own key: the project's URL names the
        instance, then the object, what happened to it, who did it and when."""
        key = (self.payload.obj("project").text("web_url"), self.payload.text("object_kind"),
               attributes.get("id"), attributes.get("action"), self.payload.obj("user").get("id"),
               attributes.get("updated_at"))
        return SourcePlugin.statement_id("gitlab", self.identity, *key, role)


def _revision(attributes: Fields) -> str | None:
    commit = attributes.maybe_obj("last_commit")
    return commit.maybe_text("id") if commit else None


def _is_draft(attributes: Fields) -> bool:
    return attributes.get("draft") is True or attributes.get("work_in_progress") is True


def _marked_ready(changes: Any) -> bool:
    if not isinstance(changes, dict):
        return False
    for key in ("draft", "work_in_progress"):
        change = changes.get(key)
        if isinstance(change, dict) and change.get("previous") is True and change.get("current") is False:
            return True
    return False


def _mr_statement(hook: _Hook, attributes: Fields, kind: str, when: str, result: dict | None = None) -> dict:
    change = hook.change(attributes.text("url"), attributes.text("title"), attributes.get("author_id"))
    return statement(hook.id(attributes, kind), hook.agent(hook.payload.obj("user")), kind, change, when,
                     result=result, revision=_revision(attributes))


def _open(hook: _Hook, attributes: Fields) -> Translation:
    if _is_draft(attributes):
        return Translation(ignored="a draft merge request is recorded when it is marked ready")
    return Translation([_mr_statement(hook, attributes, "opened", attributes.timestamp("created_at"))])


def _update(hook: _Hook, attributes: Fields) -> Translation:
    kind = "opened" if _marked_ready(hook.payload.get("changes")) else "updated"
    return Translation([_mr_statement(hook, attributes, kind, attributes.timestamp("updated_at"))])


def _approved(hook: _Hook, attributes: Fields) -> Translation:
    return Translation([_mr_statement(hook, attributes, "approved", attributes.timestamp("updated_at"),
                                      {"success": True})])


def _unapproved(hook: _Hook, attributes: Fields) -> Translation:
    return Translation([_mr_statement(hook, attributes, "withdrew-approval",
                                      attributes.timestamp("updated_at"))])


def _merge(hook: _Hook, attributes: Fields) -> Translation:
    return Translation([_mr_statement(hook, attributes, "merged", attributes.timestamp("updated_at"),
                                      {"completion": True})])


def _close(hook: _Hook, attributes: Fields) -> Translation:
    return Translation([_mr_statement(hook, attributes, "closed", attributes.timestamp("updated_at"),
                                      {"completion": False})])


MrHandler = Callable[[_Hook, Fields], Translation] | str  # a string: why the action is not recorded
MERGE_REQUEST_ACTIONS: dict[str, MrHandler] = {
    "open": _open,
    "update": _update,
    "approved": _approved,
    "approval": _approved,
    "merge": _merge,
    "reopen": "a reopened merge request is not recorded again: its opening was",
    "close": _close,
    "unapproved": _unapproved,
    "unapproval": _unapproved,
}


def _merge_request(hook: _Hook) -> Translation:
    attributes = hook.payload.obj("object_attributes")
    action = attributes.text("action")
    handler = MERGE_REQUEST_ACTIONS.get(action)
    if handler is None:
        return Translation(ignored=f"merge request action {action!r} is not recorded")
    if isinstance(handler, str):
        return Translation(ignored=handler)
    return handler(hook, attributes)


def _note(hook: _Hook) -> Translation:
    note = hook.payload.obj("object_attributes")
    on = note.text("noteable_type")
    if on != "MergeRequest":
        return Translation(ignored=f"notes on a {on} are not recorded, only notes on merge requests")
    if note.get("system") is True:
        return Translation(ignored="system notes are written by GitLab, not by a person")
    action = note.maybe_text("action") or "create"  # older GitLab sends no action: only new notes had hooks
    if action != "create":
        return Translation(ignored=f"note action {action!r} is not recorded, only new notes")
    merge_request = hook.payload.obj("merge_request")
    url = merge_request.maybe_text("url") or note.text("url").split("#", 1)[0]
    change = hook.change(url, merge_request.text("title"), merge_request.get("author_id"))
    revision = note.maybe_text("commit_id") or _revision(merge_request)
    commenter = hook.agent(hook.payload.obj("user"))
    return Translation([statement(hook.id(note, "commented"), commenter, "commented", change,
                                  note.timestamp("created_at"), result={"response": note.text("note")},
                                  revision=revision)])


HOOKS: dict[str, Callable[[_Hook], Translation]] = {
    "Merge Request Hook": _merge_request,
    "Note Hook": _note,
}


class GitLabSource(SourcePlugin):
    name = "gitlab"
    title = "GitLab"
    profile = code_review.PROFILE

    def configure(self, options: dict[str, Any]) -> dict[str, Any]:
        return code_review.configure_homepage(options)

    def verify(self, headers: Mapping[str, str], raw_body: bytes, secret: str,
               options: Mapping[str, Any]) -> None:
        sent = headers.get("x-gitlab-token")
        if not sent:
            raise VerificationError("X-Gitlab-Token is missing")
        if not secret or not hmac.compare_digest(sent.encode("utf-8", "replace"), secret.encode()):
            raise VerificationError("X-Gitlab-Token is not this source's secret")

    def translate(self, event: Event) -> Translation:
        kind = event.headers.get("x-gitlab-event")
        if not kind:
            raise EventError("the X-Gitlab-Event header is missing", "X-Gitlab-Event")
        handler = HOOKS.get(kind)
        if handler is None:
            return Translation(ignored=f"GitLab {kind!r} events are not recorded")
        return handler(_Hook.of(event))
