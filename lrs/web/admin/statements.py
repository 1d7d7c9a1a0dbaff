"""/admin/statements: browse the tenant's statements with the filters of the xAPI query, each with its JSON."""

from __future__ import annotations

import orjson
from flask import current_app, g, render_template, request

from lrs.extensions import db
from lrs.people import identities
from lrs.people.identities import IdentityError
from lrs.web.security import page, page_blueprint
from lrs.xapi.errors import BadRequest
from lrs.xapi.query import StatementQuery, parse_query
from lrs.xapi.store import StatementStore
from lrs.xapi.versions import V1

bp = page_blueprint("web_statements", __name__, url_prefix="/admin/statements")
FILTERS = ("agent", "verb", "activity", "since", "until")
PAGE = 25


def _agent_json(text: str) -> str:
    """The agent filter as JSON: an Agent object as is, or a written identity (mailto:.., account:home|name)."""
    if text.startswith("{"):
        return text
    try:
        return orjson.dumps(identities.parse(text).agent).decode()
    except IdentityError as exc:
        raise BadRequest(f"{exc} — or give the agent as JSON", path="agent") from exc


def _moment(text: str) -> str:
    """A datetime-local value (2025-03-01T09:30, read as UTC) or any ISO 8601 timestamp."""
    if len(text) == 16 and text[10] == "T":
        return f"{text}:00Z"
    if len(text) == 10:
        return f"{text}T00:00:00Z"
    return text


def _params(values: dict[str, str]) -> dict[str, str]:
    params = {}
    if values["agent"]:
        params["agent"] = _agent_json(values["agent"])
    for name in ("verb", "activity"):
        if values[name]:
            params[name] = values[name]
    for name in ("since", "until"):
        if values[name]:
            params[name] = _moment(values[name])
    params["limit"] = str(PAGE)
    return params


@bp.get("")
@page("admin")
def statements():
    values = {name: (request.args.get(name) or "").strip() for name in FILTERS}
    store = StatementStore(db.session, g.user.tenant_id)
    error = None
    found, more = [], None
    try:
        token = request.args.get("more")
        query = StatementQuery.from_token(token) if token else parse_query(
            _params(values), V1, current_app.config["LRS_STATEMENT_PAGE_MAX"])
        page_ = store.query(query, PAGE)
        found = page_.statements
        more = page_.more.token() if page_.more is not None else None
    except BadRequest as exc:
        error = {"path": exc.path or "query", "detail": exc.detail}
    return render_template("web/admin/statements.html", values=values, statements=found, more=more, error=error,
                           page_size=PAGE), 400 if error else 200
