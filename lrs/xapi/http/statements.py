"""The Statements resource (Communication 2.1)."""

from __future__ import annotations

import orjson
from flask import Response, current_app, request

from lrs.extensions import db
from lrs.progress.inline import after_statements_stored
from lrs.xapi import formats, multipart, output
from lrs.xapi.errors import BadRequest, NotFound
from lrs.xapi.http import bp, finish, http_date, json_response
from lrs.xapi.http.context import XapiRequest, current, require_scope
from lrs.xapi.query import SINGLE_PARAMS, StatementQuery, check_param_names, parse_bool, parse_format, parse_query
from lrs.xapi.service import Writer, store_statements
from lrs.xapi.store import StatementStore

READ_SCOPES = ("statements/read", "statements/read/mine", "all/read", "all")
WRITE_SCOPES = ("statements/write", "all")


@bp.route("/statements", methods=["GET", "PUT", "POST"])
def statements():
    xreq = current()
    handler = {"GET": get_statements, "HEAD": get_statements, "PUT": put_statement,
               "POST": post_statements}.get(xreq.method)
    if handler is None:
        raise BadRequest(f"{xreq.method} is not allowed on the Statements resource", path="method")
    return finish(xreq, handler(xreq))


# -- writing --------------------------------------------------------------------------------------------------

def _writer(xreq: XapiRequest) -> Writer:
    credential = require_scope(*WRITE_SCOPES)
    home = current_app.config.get("LRS_PUBLIC_URL") or request.host_url.rstrip("/")
    authority = {"objectType": "Agent", "name": credential.name,
                 "account": {"homePage": home, "name": credential.key}}
    define = bool(credential.scope_set & {"define", "all"})
    return Writer(credential.tenant_id, credential.id, authority, define, credential.profile_mode,
                  getattr(credential, "tenant_profiles", None))


def _load_json(data: bytes, path: str):
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise BadRequest(f"the body is not valid JSON: {exc}", path=path) from exc


def _read_body(xreq: XapiRequest) -> tuple[object, dict[str, tuple[str, bytes]] | None]:
    """The statements in the body and, for multipart/mixed, the attachment parts by hash."""
    if not xreq.body:
        raise BadRequest("the request has no body; send one statement or an array of them", path="body")
    if xreq.media_type == "application/json":
        return _load_json(xreq.body, "body"), None
    if xreq.media_type == "multipart/mixed":
        parts = multipart.parse(xreq.content_type, xreq.body)
        if parts[0].content_type != "application/json":
            raise BadRequest("the first part of a multipart/mixed request must be application/json",
                             path="part[0]")
        return _load_json(parts[0].body, "part[0]"), multipart.attachment_parts(parts)
    raise BadRequest(f"Content-Type {xreq.content_type or '(none)'!r} is not accepted here; use "
                     "application/json or multipart/mixed", path="Content-Type")


def put_statement(xreq: XapiRequest) -> Response:
    writer = _writer(xreq)
    check_param_names(xreq.params, frozenset({"statementId"}))
    statement_id = xreq.params.get("statementId")
    if statement_id is None:
        raise BadRequest("PUT needs the statementId parameter", path="statementId")
    if not formats.is_uuid(statement_id):
        raise BadRequest(f"statementId must be a UUID, not {statement_id!r}", path="statementId")
    body, parts = _read_body(xreq)
    if not isinstance(body, dict):
        raise BadRequest("PUT takes a single statement object", path="$")
    if "id" in body and str(body["id"]).lower() != statement_id.lower():
        raise BadRequest("the statement's id does not match the statementId parameter", path="$.id")
    store_statements(db.session, writer, [{**body, "id": statement_id.lower()} if "id" not in body else body],
                     xreq.version, parts, single=True)
    after_statements_stored()
    return Response(status=204)


def post_statements(xreq: XapiRequest) -> Response:
    if xreq.params:
        # A POST carrying GET parameters is a query (Communication 2.1.2, alternate syntax).
        check_param_names(xreq.params, frozenset())
    writer = _writer(xreq)
    body, parts = _read_body(xreq)
    if isinstance(body, dict):
        batch = [body]
    elif isinstance(body, list):
        if not body:
            raise BadRequest("the batch is empty", path="$")
        if len(body) > current_app.config["LRS_BATCH_MAX"]:
            raise BadRequest(f"a batch holds at most {current_app.config['LRS_BATCH_MAX']} statements", path="$")
        batch = body
    else:
        raise BadRequest("the body must be a statement object or an array of statements", path="$")
    ids = store_statements(db.session, writer, batch, xreq.version, parts, single=isinstance(body, dict))
    after_statements_stored()
    return json_response(ids)


# -- reading --------------------------------------------------------------------------------------------------

def _http_date(stored: str) -> str:
    return http_date(formats.parse_timestamp(stored))


def _mine(credential) -> int | None:
    """statements/read/mine alone limits reads to what this credential stored."""
    if credential.scope_set & {"statements/read", "all/read", "all"}:
        return None
    return credential.id


def _render(store: StatementStore, statements: list[dict], fmt: str, language: str | None) -> list[dict]:
    if fmt == "ids":
        return [output.ids_format(s) for s in statements]
    if fmt == "canonical":
        wanted = set().union(*(output.activity_ids(s) for s in statements)) if statements else set()
        definitions = store.activity_definitions(wanted)
        preferred = output.parse_accept_language(language)
        return [output.canonical_format(s, definitions.get, preferred) for s in statements]
    return statements


def _respond(store: StatementStore, body, hashes: list[str], attachments: bool) -> Response:
    data = orjson.dumps(body)
    if not attachments:
        return Response(data, mimetype="application/json")
    held = store.attachments(hashes)
    content_type, payload = multipart.build(data, [(h, *held[h]) for h in dict.fromkeys(hashes) if h in held])
    return Response(payload, content_type=content_type)


def get_statements(xreq: XapiRequest) -> Response:
    credential = require_scope(*READ_SCOPES)
    store = StatementStore(db.session, credential.tenant_id)
    params = xreq.params
    if "statementId" in params or "voidedStatementId" in params:
        return _get_single(xreq, store, credential)
    if "more" in params:
        if len(params) > 1:
            raise BadRequest("the 'more' link takes no other parameters", path="more")
        query = StatementQuery.from_token(params["more"])
    else:
        query = parse_query(params, xreq.version, current_app.config["LRS_STATEMENT_PAGE_MAX"])
    page = store.query(query, current_app.config["LRS_STATEMENT_PAGE_SIZE"], _mine(credential))
    # The exact format is the statements as stored: their JSON goes out as it is, unparsed.
    rendered = page.exact if query.format == "exact" else _render(store, page.statements, query.format,
                                                                   xreq.header("Accept-Language"))
    result = {
        "statements": rendered,
        "more": f"{request.script_root}/xapi/statements?more={page.more.token()}" if page.more else "",
    }
    response = _respond(store, result, page.attachment_hashes, query.attachments)
    if page.newest_stored_us is not None:
        response.headers["Last-Modified"] = http_date(formats.from_micros(page.newest_stored_us))
    return response


def _get_single(xreq: XapiRequest, store: StatementStore, credential) -> Response:
    params = xreq.params
    check_param_names(params, SINGLE_PARAMS)
    if "statementId" in params and "voidedStatementId" in params:
        raise BadRequest("give statementId or voidedStatementId, not both", path="voidedStatementId")
    name = "statementId" if "statementId" in params else "voidedStatementId"
    if not formats.is_uuid(params[name]):
        raise BadRequest(f"{name} must be a UUID, not {params[name]!r}", path=name)
    fmt = parse_format(params)
    attachments = parse_bool(params, "attachments")
    found = store.get(params[name], voided=name == "voidedStatementId", credential_id=_mine(credential))
    if found is None:
        raise NotFound(f"no statement with {name} {params[name]}", path=name)
    statement, held = found
    body = _render(store, [statement], fmt, xreq.header("Accept-Language"))[0]
    response = _respond(store, body, held.split() if held else [], attachments)
    response.headers["Last-Modified"] = _http_date(statement["stored"])
    return response
