"""The ``lrs`` console command: database, server and credentials.

Every command that creates something takes ``--json`` and then prints one JSON object. Errors go to
standard error with a non-zero exit status and no traceback.
"""

from __future__ import annotations

import json
import sys

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from lrs.accounts.service import AccountError, create_user, find_user, issue_token, set_password
from lrs.extensions import db
from lrs.models.accounts import ROLES
from lrs.tenancy.credentials import (
    DEFAULT_TENANT,
    SCOPES,
    CredentialError,
    create_credential,
    list_credentials,
    revoke_credential,
)


def create_app():
    from lrs import create_app as factory

    return factory()


@click.group(cls=FlaskGroup, create_app=create_app, add_version_option=False, add_default_commands=False)
def main() -> None:
    """An xAPI learning-record store."""


def init_app(app) -> None:
    """Register the commands on the app's CLI, so ``lrs`` and the test runner both see them."""
    for command in (serve, credentials, init, users, tokens, sources, people, goals, progress, worker, profiles,
                    forwarders, keys, badges, reviews, certifications, partitions):
        app.cli.add_command(command)


def _fail(message: str) -> None:
    raise click.ClickException(message)


def _emit(data: dict, as_json: bool, lines: list[str]) -> None:
    if as_json:
        click.echo(json.dumps(data))
    else:
        for line in lines:
            click.echo(line)


# -- server ---------------------------------------------------------------------------------------------------

@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=3, show_default=True, type=int, help="processes")
@click.option("--threads", default=2, show_default=True, type=int, help="threads per process")
def serve(host: str, port: int, workers: int, threads: int) -> None:
    """Serve the LRS with gunicorn (a production WSGI server).

    The defaults suit two cores: on this project's 2-core machine, three processes of two threads took
    single statements about 20% faster than two of four, on SQLite and PostgreSQL (bench/README.md).
    """
    from gunicorn.app.base import BaseApplication

    from lrs.runtime import tune_collector

    class Server(BaseApplication):
        def load_config(self):
            self.cfg.set("bind", f"{host}:{port}")
            self.cfg.set("workers", workers)
            self.cfg.set("threads", threads)
            self.cfg.set("worker_class", "gthread" if threads > 1 else "sync")
            self.cfg.set("accesslog", "-")
            self.cfg.set("timeout", 60)
            self.cfg.set("post_worker_init", lambda worker: tune_collector())

        def load(self):
            return create_app()

    sys.argv = [sys.argv[0]]
    Server().run()


# -- credentials ----------------------------------------------------------------------------------------------

@click.group("credentials")
def credentials() -> None:
    """xAPI credentials (HTTP Basic key and secret, with scopes, per tenant)."""


@credentials.command("create")
@click.option("--name", required=True, help="What the credential is for, e.g. the sending tool.")
@click.option("--scope", "scopes", multiple=True, type=click.Choice(SCOPES), help="Repeat for several. Default: all.")
@click.option("--tenant", default=DEFAULT_TENANT, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@with_appcontext
def credentials_create(name: str, scopes: tuple[str, ...], tenant: str, as_json: bool) -> None:
    """Create a credential and print its key and secret (the secret is shown only now)."""
    try:
        issued = create_credential(db.session, current_app.config["SECRET_KEY"], name=name,
                                   scopes=scopes or ("all",), tenant=tenant)
        db.session.commit()
    except CredentialError as exc:
        _fail(str(exc))
    except SQLAlchemyError as exc:
        _fail(f"the database is not ready ({type(exc).__name__}); run 'lrs db upgrade' first")
    _emit({"key": issued.key, "secret": issued.secret, "tenant": issued.tenant, "name": issued.name,
           "scopes": list(issued.scopes)}, as_json,
          [f"key:    {issued.key}", f"secret: {issued.secret}", f"tenant: {issued.tenant}",
           f"scopes: {' '.join(issued.scopes)}"])


@credentials.command("list")
@click.option("--tenant", default=None)
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def credentials_list(tenant: str | None, as_json: bool) -> None:
    """List credentials (never their secrets)."""
    rows = list_credentials(db.session, tenant)
    items = [{"key": c.key, "name": c.name, "tenant": t, "scopes": c.scopes.split(),
              "revoked": c.revoked is not None} for c, t in rows]
    if as_json:
        click.echo(json.dumps(items))
        return
    for item in items:
        state = "revoked" if item["revoked"] else "active"
        click.echo(f"{item['key']}  {item['tenant']:<12} {state:<8} {item['name']}  [{' '.join(item['scopes'])}]")


@credentials.command("revoke")
@click.argument("key")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def credentials_revoke(key: str, as_json: bool) -> None:
    """Revoke a credential: it stops working at once."""
    try:
        credential = revoke_credential(db.session, key)
        db.session.commit()
    except CredentialError as exc:
        _fail(str(exc))
    _emit({"key": credential.key, "revoked": True}, as_json, [f"revoked {credential.key}"])


# -- first run ------------------------------------------------------------------------------------------------

@click.command("init")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def init(as_json: bool) -> None:
    """Migrate the database and, when there is no credential yet, create a first one and print it."""
    from flask_migrate import upgrade

    from lrs.models import Credential

    upgrade()
    _ensure_partitions()
    if db.session.scalar(select(Credential.id).limit(1)) is not None:
        _emit({"created": False}, as_json, ["A credential exists already: see 'lrs credentials list'."])
        return
    issued = create_credential(db.session, current_app.config["SECRET_KEY"], name="first credential")
    db.session.commit()
    _emit({"key": issued.key, "secret": issued.secret, "tenant": issued.tenant}, as_json, [
        "Created a first xAPI credential (HTTP Basic):",
        "  endpoint: http://127.0.0.1:8000/xapi/",
        f"  key:      {issued.key}",
        f"  secret:   {issued.secret}",
    ])


# -- statement partitions (PostgreSQL) ------------------------------------------------------------------------

def _ensure_partitions(ahead: int | None = None) -> list[str]:
    from lrs.xapi import partitions as parts

    created = parts.ensure(db.session.connection(), parts.MONTHS_AHEAD if ahead is None else ahead)
    db.session.commit()
    return created


@click.group("partitions")
def partitions() -> None:
    """PostgreSQL: the statement log's partitions, one per month of 'stored' (nothing to do on SQLite)."""


@partitions.command("ensure")
@click.option("--ahead", default=12, show_default=True, type=click.IntRange(0, 120), help="Months after this one.")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def partitions_ensure(ahead: int, as_json: bool) -> None:
    """Create the partitions of this month and the months ahead where missing."""
    created = _ensure_partitions(ahead)
    _emit({"created": created}, as_json, [f"created {name}" for name in created] or ["nothing to create"])


@partitions.command("list")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def partitions_list(as_json: bool) -> None:
    """The partitions with the range of 'stored' each holds and the planner's row estimate."""
    from lrs.xapi import formats
    from lrs.xapi.partitions import describe

    found = describe(db.session.connection())

    def moment(us: int | None) -> str | None:
        return None if us is None else formats.format_timestamp(formats.from_micros(us))

    rows = [{"name": p.name, "from": moment(p.lower_us), "to": moment(p.upper_us), "rows": p.rows} for p in found]
    if not found:
        _emit({"partitions": []}, as_json, ["the statement log is not partitioned (SQLite, or not migrated)"])
        return
    _emit({"partitions": rows}, as_json,
          [f"{r['name']:<22} {r['from'] or 'default':<28} {r['to'] or '':<28} ~{r['rows']} rows" for r in rows])


# -- users and API tokens -------------------------------------------------------------------------------------

@click.group("users")
def users() -> None:
    """People who log in to the pages and the admin API, with a role per tenant."""


@users.command("create")
@click.option("--email", required=True)
@click.option("--name", default="")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--tenant", default=DEFAULT_TENANT, show_default=True)
@click.option("--password", default=None, help="Prompted for when omitted and a terminal is attached.")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def users_create(email: str, name: str, role: str, tenant: str, password: str | None, as_json: bool) -> None:
    """Create a user."""
    try:
        user = create_user(db.session, email=email, name=name, role=role, tenant=tenant, password=password)
        db.session.commit()
    except AccountError as exc:
        _fail(str(exc))
    _emit({"email": user.email, "role": user.role, "tenant": tenant}, as_json,
          [f"created {user.role} {user.email} in tenant {tenant}"])


@users.command("set-password")
@click.option("--email", required=True)
@click.option("--tenant", default=DEFAULT_TENANT, show_default=True)
@click.password_option("--password")
@with_appcontext
def users_set_password(email: str, tenant: str, password: str) -> None:
    """Set (or reset) a user's password."""
    user = find_user(db.session, tenant, email)
    if user is None:
        _fail(f"no user {email} in tenant {tenant}")
    try:
        set_password(user, password)
    except AccountError as exc:
        _fail(str(exc))
    db.session.commit()
    click.echo(f"password set for {user.email}")


@click.group("tokens")
def tokens() -> None:
    """API tokens for scripts that call /api/v1/ (Authorization: Bearer <token>)."""


@tokens.command("create")
@click.option("--email", required=True, help="The user the token acts as.")
@click.option("--tenant", default=DEFAULT_TENANT, show_default=True)
@click.option("--name", default="api", show_default=True)
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def tokens_create(email: str, tenant: str, name: str, as_json: bool) -> None:
    """Issue an API token (shown only now)."""
    user = find_user(db.session, tenant, email)
    if user is None:
        _fail(f"no user {email} in tenant {tenant}")
    issued = issue_token(db.session, current_app.config["SECRET_KEY"], user, name)
    db.session.commit()
    _emit({"token": issued.token, "user": issued.user, "tenant": issued.tenant, "role": issued.role}, as_json,
          [f"token: {issued.token}"])


# -- sources --------------------------------------------------------------------------------------------------

def _base_url() -> str:
    return current_app.config.get("LRS_PUBLIC_URL") or "http://127.0.0.1:8000"


def _options(pairs: tuple[str, ...]) -> dict:
    options: dict = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            _fail(f"--option takes key=value, not {pair!r}")
        if value.startswith("@"):
            try:
                with open(value[1:], encoding="utf-8") as fh:
                    value = json.load(fh)
            except (OSError, ValueError) as exc:
                _fail(f"--option {key}: cannot read JSON from {value[1:]}: {exc}")
        options[key] = value
    return options


@click.group("sources")
def sources() -> None:
    """Senders of non-xAPI events (GitHub, GitLab, Caliper, webhooks) and their plugins."""


@sources.command("add")
@click.argument("kind")
@click.option("--name", required=True)
@click.option("--tenant", default=DEFAULT_TENANT, show_default=True)
@click.option("--option", "options", multiple=True, help="key=value, or key=@file.json for a JSON value.")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def sources_add(kind: str, name: str, tenant: str, options: tuple[str, ...], as_json: bool) -> None:
    """Add a source; prints the webhook URL and the secret to give the sending tool."""
    from lrs.plugin_host.registry import registry
    from lrs.plugin_host.sources import SourceError, add_source

    try:
        issued = add_source(db.session, registry(), current_app.config["SECRET_KEY"], _base_url(), kind=kind,
                            name=name, tenant=tenant, options=_options(options))
        db.session.commit()
    except SourceError as exc:
        _fail(f"{exc.detail} ({exc.path})")
    _emit({"url": issued.url, "secret": issued.secret, "id": issued.id, "kind": kind, "tenant": issued.tenant},
          as_json, [f"url:    {issued.url}", f"secret: {issued.secret}"])


@sources.command("list")
@click.option("--tenant", default=None)
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def sources_list(tenant: str | None, as_json: bool) -> None:
    """Sources with their health: received, stored, ignored, rejected, last error."""
    from lrs.plugin_host.sources import source_summary, sources_of

    items = [source_summary(s, t, _base_url()) for s, t in sources_of(db.session, tenant)]
    if as_json:
        click.echo(json.dumps(items))
        return
    for item in items:
        state = "enabled" if item["enabled"] else "disabled"
        click.echo(f"{item['id']:>4} {item['kind']:<12} {item['name']:<20} {state:<8} received={item['received']} "
                   f"stored={item['stored']} ignored={item['ignored']} rejected={item['rejected']} "
                   f"last_error={item['last_error'] or '-'}")


@sources.command("disable")
@click.argument("source")
@click.option("--tenant", default=None)
@with_appcontext
def sources_disable(source: str, tenant: str | None) -> None:
    """Stop accepting a source's deliveries (its URL answers 404)."""
    from lrs.plugin_host.sources import SourceError, find_source

    try:
        found = find_source(db.session, _tenant_id(tenant), source)
    except SourceError as exc:
        _fail(exc.detail)
    found.enabled = False
    db.session.commit()
    click.echo(f"disabled {found.name}")


@sources.command("rotate-secret")
@click.argument("source")
@click.option("--tenant", default=None)
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def sources_rotate(source: str, tenant: str | None, as_json: bool) -> None:
    """Issue a new webhook secret; the old one stops working at once."""
    from lrs.plugin_host.sources import SourceError, find_source, rotate_secret

    try:
        found = find_source(db.session, _tenant_id(tenant), source)
    except SourceError as exc:
        _fail(exc.detail)
    secret = rotate_secret(db.session, current_app.config["SECRET_KEY"], found)
    db.session.commit()
    _emit({"id": found.id, "secret": secret}, as_json, [f"secret: {secret}"])


def _tenant_id(tenant: str | None) -> int | None:
    if tenant is None:
        return None
    from lrs.models import Tenant

    found = db.session.scalar(select(Tenant.id).where(Tenant.name == tenant))
    if found is None:
        _fail(f"no tenant {tenant!r}")
    return found


# -- people ---------------------------------------------------------------------------------------------------

@click.group("people")
def people() -> None:
    """The people directory."""


@people.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--tenant", default=DEFAULT_TENANT, show_default=True)
@click.option("--dry-run", is_flag=True, help="Only list what would change.")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def people_import(file: str, tenant: str, dry_run: bool, as_json: bool) -> None:
    """Create and update people from a CSV file (see the README for its columns). All or nothing."""
    from lrs.people.csv_import import ImportError_
    from lrs.people.directory import import_csv
    from lrs.tenancy.credentials import get_or_create_tenant

    try:
        with open(file, encoding="utf-8") as fh:
            text = fh.read()
    except UnicodeDecodeError:
        _fail(f"{file} is not UTF-8")
    owner = get_or_create_tenant(db.session, tenant)
    try:
        result = import_csv(db.session, owner.id, text, dry_run=dry_run)
    except ImportError_ as exc:
        db.session.rollback()
        lines = "\n".join(f"  line {e.line}, column {e.column}: {e.message}" for e in exc.errors)
        _fail(f"{len(exc.errors)} error(s); nothing was imported:\n{lines}")
    db.session.commit()
    if as_json:
        click.echo(json.dumps(result))
        return
    verb = "would" if dry_run else "did"
    click.echo(f"{verb} create {len(result['create'])}, update {len(result['update'])}; "
               f"{result['unchanged']} unchanged")
    for item in result["create"]:
        click.echo(f"  + {item['employee_id']} {item['name']}")
    for item in result["update"]:
        click.echo(f"  ~ {item['employee_id']}: {', '.join(item['changes'])}")


# -- goals and progress ---------------------------------------------------------------------------------------

@click.group("goals")
def goals() -> None:
    """Learning goals: rules over statements."""


@goals.command("create")
@click.option("--title", required=True)
@click.option("--person", "employee_id", default=None, help="The person's employee_id.")
@click.option("--team", "team_name", default=None, help="A team: the goal is copied to each member.")
@click.option("--rule", "rule_text", required=True, help="The rule as JSON, or @file.json.")
@click.option("--starts", type=click.DateTime(["%Y-%m-%d"]), default=None)
@click.option("--due", type=click.DateTime(["%Y-%m-%d"]), default=None)
@click.option("--weight", type=float, default=1.0, show_default=True)
@click.option("--description", default="")
@click.option("--tenant", default=DEFAULT_TENANT, show_default=True)
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def goals_create(title, employee_id, team_name, rule_text, starts, due, weight, description, tenant, as_json):
    """Create a goal for a person or a team; statements already stored count towards it."""
    from lrs.models import Person, Team
    from lrs.progress.engine import ProgressEngine
    from lrs.progress.goals import GoalError, GoalSpec, check_spec, create_goal

    tenant_id = _tenant_id(tenant)
    rule = _options((f"rule={rule_text}",))["rule"] if rule_text.startswith("@") else _json_arg(rule_text, "--rule")
    person_id = team_id = None
    if employee_id is not None:
        person_id = db.session.scalar(select(Person.id).where(Person.tenant_id == tenant_id,
                                                              Person.employee_id == employee_id))
        if person_id is None:
            _fail(f"no person with employee_id {employee_id!r}")
    if team_name is not None:
        team_id = db.session.scalar(select(Team.id).where(Team.tenant_id == tenant_id, Team.name == team_name))
        if team_id is None:
            _fail(f"no team {team_name!r}")
    spec = GoalSpec(title=title, rule=rule, description=description, person_id=person_id, team_id=team_id,
                    starts_on=starts.date() if starts else None, due_on=due.date() if due else None,
                    weight=weight)
    try:
        warnings = check_spec(db.session, tenant_id, spec)
    except GoalError as exc:
        _fail(f"{exc.detail} ({exc.path})")
    made = create_goal(db.session, tenant_id, spec, None)
    ProgressEngine(db.session).refresh_goals({g.id for g in made})
    db.session.commit()
    for warning in warnings:
        click.echo(f"warning: {warning}", err=True)
    _emit({"goals": [g.id for g in made], "warnings": warnings}, as_json,
          [f"created {len(made)} goal(s): {', '.join(str(g.id) for g in made)}"])


def _json_arg(text: str, name: str):
    try:
        return json.loads(text)
    except ValueError as exc:
        _fail(f"{name} is not valid JSON: {exc}")


@click.group("progress")
def progress() -> None:
    """The progress engine."""


@progress.command("rebuild")
@with_appcontext
def progress_rebuild() -> None:
    """Recompute all progress from the statement log (gives the same result as the incremental engine)."""
    from lrs.progress.engine import ProgressEngine

    applied = ProgressEngine(db.session).rebuild()
    db.session.commit()
    click.echo(f"rebuilt progress from {applied} statements")


@click.command("worker")
@click.option("--once", is_flag=True, help="Catch up once and exit.")
@click.option("--interval", default=1.0, show_default=True, help="Seconds between polls when idle.")
@with_appcontext
def worker(once: bool, interval: float) -> None:
    """Consume the statement log (progress, forwarding) and push due review exports; several workers share
    the cursors safely."""
    import time

    from sqlalchemy.exc import InterfaceError, OperationalError

    from lrs.forwarding.service import deliver_due
    from lrs.lti.grades import deliver_due_grades
    from lrs.progress.engine import ProgressEngine
    from lrs.reviews.sinks import run_due as run_due_sinks
    from lrs.runtime import tune_collector

    tune_collector()
    ensured = 0.0
    while True:
        try:
            if time.monotonic() - ensured > 3600:  # months ahead of the statement log (PostgreSQL)
                _ensure_partitions()
                ensured = time.monotonic()
            applied = ProgressEngine(db.session).catch_up()
            db.session.commit()
            applied += deliver_due(db.session, current_app.config["SECRET_KEY"])
            applied += run_due_sinks(db.session, current_app.config["SECRET_KEY"])
            applied += deliver_due_grades(db.session, current_app.config["SECRET_KEY"])
        except (OperationalError, InterfaceError) as exc:
            # The database is away: what this round did is rolled back (the cursors did not move), and the
            # next round starts again once it is back.
            db.session.rollback()
            if once:
                raise
            click.echo(f"worker: the database is unavailable ({type(exc.orig).__name__}); retrying", err=True)
            time.sleep(max(interval, 1.0))
            continue
        if once and applied == 0:
            break
        if applied == 0:
            time.sleep(interval)


# -- xAPI profiles --------------------------------------------------------------------------------------------

@click.group("profiles")
def profiles() -> None:
    """xAPI profiles: import (validated), list, show, deprecate, and how statements are checked."""


def _read_profile(source: str) -> object:
    if source.startswith(("http://", "https://")):
        import requests

        try:
            response = requests.get(source, timeout=20, headers={"Accept": "application/ld+json, application/json"})
            response.raise_for_status()
            return response.json()
        except (requests.RequestException, ValueError) as exc:
            _fail(f"cannot fetch a profile from {source}: {exc}")
    try:
        with open(source, encoding="utf-8") as fh:
            return json.load(fh)
    except (OSError, ValueError) as exc:
        _fail(f"cannot read a JSON-LD profile from {source}: {exc}")


@profiles.command("import")
@click.argument("source")
@click.option("--tenant", default=DEFAULT_TENANT, show_default=True)
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def profiles_import(source: str, tenant: str, as_json: bool) -> None:
    """Import a profile from a FILE or a URL; an invalid profile is refused whole, every error listed."""
    from lrs.profiles.service import ProfileImportError, import_profile
    from lrs.tenancy.credentials import get_or_create_tenant

    doc = _read_profile(source)
    owner = get_or_create_tenant(db.session, tenant)
    try:
        profile, outcome = import_profile(db.session, owner.id, doc)
    except ProfileImportError as exc:
        db.session.rollback()
        lines = "\n".join(f"  {e.path}: {e.message} (rule {e.rule}, {e.section})" for e in exc.errors)
        _fail(f"the profile was not imported, {len(exc.errors)} error(s):\n{lines}")
    db.session.commit()
    _emit({"id": profile.id, "iri": profile.iri, "version": profile.version_iri, "outcome": outcome}, as_json,
          [f"{outcome}: {profile.iri} ({profile.version_iri})"])


@profiles.command("list")
@click.option("--tenant", default=DEFAULT_TENANT, show_default=True)
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def profiles_list(tenant: str, as_json: bool) -> None:
    """The tenant's profiles and the builtin ones."""
    from lrs.api.profiles import tenant_profiles

    items = tenant_profiles(_tenant_id(tenant))
    if as_json:
        click.echo(json.dumps(items))
        return
    for item in items:
        flags = " (builtin)" if item["builtin"] else " (deprecated)" if item["deprecated"] else ""
        click.echo(f"{item['iri']}  {item['version']}  templates={item['templates']} "
                   f"patterns={item['patterns']}{flags}")


def _find_profile(tenant: str, iri: str):
    from lrs.models import Profile

    profile = db.session.scalar(select(Profile).where(Profile.tenant_id == _tenant_id(tenant), Profile.iri == iri))
    if profile is None:
        _fail(f"no imported profile {iri} in tenant {tenant}")
    return profile


@profiles.command("show")
@click.argument("iri")
@click.option("--tenant", default=DEFAULT_TENANT, show_default=True)
@with_appcontext
def profiles_show(iri: str, tenant: str) -> None:
    """Print a profile's current JSON-LD document."""
    click.echo(json.dumps(json.loads(_find_profile(tenant, iri).document), indent=2))


@profiles.command("deprecate")
@click.argument("iri")
@click.option("--tenant", default=DEFAULT_TENANT, show_default=True)
@with_appcontext
def profiles_deprecate(iri: str, tenant: str) -> None:
    """Stop checking statements against a profile (it is kept, with its history)."""
    from lrs.profiles.service import deprecate_profile

    deprecate_profile(db.session, _find_profile(tenant, iri))
    db.session.commit()
    click.echo(f"deprecated {iri}")


@profiles.command("mode")
@click.argument("mode", type=click.Choice(("off", "report", "enforce")))
@click.option("--tenant", default=DEFAULT_TENANT, show_default=True)
@click.option("--credential", "key", default=None, help="Set it for one credential instead of the tenant.")
@with_appcontext
def profiles_mode(mode: str, tenant: str, key: str | None) -> None:
    """How statements are checked: off, report (store and record results) or enforce (refuse)."""
    from lrs.models import Credential
    from lrs.profiles.service import set_mode

    if key is not None:
        credential = db.session.scalar(select(Credential).where(Credential.key == key))
        if credential is None:
            _fail(f"no credential {key}")
        credential.profile_mode = mode
    else:
        set_mode(db.session, _tenant_id(tenant), mode)
    db.session.commit()
    click.echo(f"profile mode {mode} for {'credential ' + key if key else 'tenant ' + tenant}")


# -- forwarding -----------------------------------------------------------------------------------------------

@click.group("forwarders")
def forwarders() -> None:
    """Forward a tenant's statements to another LRS or any HTTP endpoint (run by `lrs worker`)."""


@forwarders.command("add")
@click.option("--name", required=True)
@click.option("--url", required=True, help="xapi: the other LRS's endpoint (…/xapi/); http: the URL to POST to.")
@click.option("--kind", type=click.Choice(("xapi", "http")), default="xapi", show_default=True)
@click.option("--username", default=None, help="xapi: the Basic-auth key at the destination.")
@click.option("--secret", default=None, help="xapi: the Basic-auth secret; http: the HMAC signing secret.")
@click.option("--verb", "verbs", multiple=True, help="Only statements with this verb (repeatable).")
@click.option("--activity-type", "activity_types", multiple=True)
@click.option("--template", "templates", multiple=True, help="Only statements matching this profile template.")
@click.option("--from-start", is_flag=True, help="Also send the statements stored before now.")
@click.option("--tenant", default=DEFAULT_TENANT, show_default=True)
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def forwarders_add(name, url, kind, username, secret, verbs, activity_types, templates, from_start, tenant, as_json):
    """Add a forwarder."""
    from lrs.forwarding.service import ForwardingError, add_forwarder, status

    filters = {k: list(v) for k, v in (("verbs", verbs), ("activity_types", activity_types),
                                       ("templates", templates)) if v}
    try:
        forwarder = add_forwarder(db.session, current_app.config["SECRET_KEY"], tenant=tenant, name=name, kind=kind,
                                  url=url, username=username, secret=secret, filters=filters, from_start=from_start)
        db.session.commit()
    except ForwardingError as exc:
        _fail(f"{exc.detail} ({exc.path})")
    _emit(status(db.session, forwarder), as_json, [f"added forwarder {forwarder.id} {name} -> {url}"])


@forwarders.command("list")
@click.option("--tenant", default=DEFAULT_TENANT, show_default=True)
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def forwarders_list(tenant: str, as_json: bool) -> None:
    """Forwarders with their lag and error state."""
    from lrs.forwarding.service import status
    from lrs.models import Forwarder

    items = [status(db.session, f) for f in db.session.scalars(
        select(Forwarder).where(Forwarder.tenant_id == _tenant_id(tenant)).order_by(Forwarder.id))]
    if as_json:
        click.echo(json.dumps(items))
        return
    for item in items:
        click.echo(f"{item['id']:>4} {item['name']:<20} {item['state']:<12} behind={item['behind']} "
                   f"lag={item['lag_seconds']}s forwarded={item['forwarded']} last_error={item['last_error'] or '-'}")


@forwarders.command("disable")
@click.argument("name")
@click.option("--tenant", default=DEFAULT_TENANT, show_default=True)
@with_appcontext
def forwarders_disable(name: str, tenant: str) -> None:
    """Stop forwarding (the cursor is kept: enabling again resumes where it stopped)."""
    from lrs.models import Forwarder

    forwarder = db.session.scalar(select(Forwarder).where(Forwarder.tenant_id == _tenant_id(tenant),
                                                          Forwarder.name == name))
    if forwarder is None:
        _fail(f"no forwarder {name!r}")
    forwarder.enabled = False
    db.session.commit()
    click.echo(f"disabled {name}")


@people.command("erase")
@click.argument("employee_id")
@click.option("--tenant", default=DEFAULT_TENANT, show_default=True)
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def people_erase(employee_id: str, tenant: str, yes: bool, as_json: bool) -> None:
    """Erase a person for good: the statements they made, their documents, progress and identities."""
    from lrs.models import Person
    from lrs.people.erasure import erase_person

    person = db.session.scalar(select(Person).where(Person.tenant_id == _tenant_id(tenant),
                                                    Person.employee_id == employee_id))
    if person is None:
        _fail(f"no person with employee_id {employee_id!r} in tenant {tenant}")
    if not yes and not click.confirm(f"Erase {person.name} ({employee_id}) and everything they recorded?"):
        _fail("nothing erased")
    counts = erase_person(db.session, person, "cli")
    db.session.commit()
    _emit({"erased": True, **counts}, as_json, [f"erased {employee_id}: " + ", ".join(
        f"{n} {what}" for what, n in counts.items())])


# -- keys and badges ------------------------------------------------------------------------------------------

@click.group("keys")
def keys() -> None:
    """The service's signing keys (badges, LTI), published at /.well-known/jwks.json."""


@keys.command("rotate")
@with_appcontext
def keys_rotate() -> None:
    """Sign with a new key from now on; the old one stays published so what it signed still verifies."""
    from lrs.keys import rotate

    row = rotate(db.session, current_app.config["SECRET_KEY"])
    db.session.commit()
    click.echo(f"new signing key {row.kid}")


@click.group("badges")
def badges() -> None:
    """Open Badges 3.0 credentials."""


@badges.command("verify")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--jwks", "jwks_file", type=click.Path(exists=True, dir_okay=False), default=None,
              help="The issuer's JWKS; by default the one bundled in a downloaded badge.")
def badges_verify(file: str, jwks_file: str | None) -> None:
    """Verify a badge offline: a downloaded badge (JSON with credential and jwks) or a bare VC-JWT."""
    from lrs.progress.badges import BadgeError, verify

    with open(file, encoding="utf-8") as fh:
        text = fh.read().strip()
    token, keyset = text, None
    if text.startswith("{"):
        data = json.loads(text)
        token, keyset = data.get("credential", ""), data.get("jwks")
    if jwks_file:
        with open(jwks_file, encoding="utf-8") as fh:
            keyset = json.load(fh)
    if not keyset:
        _fail("no JWKS: pass --jwks or a downloaded badge that bundles one")
    try:
        claims = verify(token, keyset)
    except BadgeError as exc:
        _fail(str(exc))
    click.echo(f"valid: {claims['name']} issued by {claims['issuer']['id']} from {claims['validFrom']}")


# -- review exports -------------------------------------------------------------------------------------------

@click.group("reviews")
def reviews() -> None:
    """Performance-review exports."""


@reviews.command("export")
@click.option("--team", "team_name", default=None)
@click.option("--person", "employee_id", default=None, help="A person's employee_id.")
@click.option("--chain", is_flag=True, help="With --person: everyone below them too.")
@click.option("--from", "period_from", type=click.DateTime(["%Y-%m-%d"]), default=None)
@click.option("--to", "period_to", type=click.DateTime(["%Y-%m-%d"]), default=None)
@click.option("--format", "fmt", type=click.Choice(("csv", "json", "xlsx", "pdf")), default="csv", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, writable=True), required=True)
@click.option("--tenant", default=DEFAULT_TENANT, show_default=True)
@with_appcontext
def reviews_export(team_name, employee_id, chain, period_from, period_to, fmt, out, tenant):
    """Export learning objectives for a team or a person and a review period."""
    from lrs.models import Person, Team
    from lrs.reviews.build import build_export
    from lrs.reviews.formats import render
    from lrs.reviews.scope import ScopeError, resolve

    tenant_id = _tenant_id(tenant)
    person_id = team_id = None
    if employee_id is not None:
        person_id = db.session.scalar(select(Person.id).where(Person.tenant_id == tenant_id,
                                                              Person.employee_id == employee_id))
        if person_id is None:
            _fail(f"no person with employee_id {employee_id!r}")
    if team_name is not None:
        team_id = db.session.scalar(select(Team.id).where(Team.tenant_id == tenant_id, Team.name == team_name))
        if team_id is None:
            _fail(f"no team {team_name!r}")
    try:
        scope = resolve(db.session, tenant_id, person_id=person_id, team_id=team_id, chain=chain)
    except ScopeError as exc:
        _fail(exc.detail)
    with click.progressbar(length=len(scope.people), label=f"Collecting {scope.label}", file=sys.stderr) as bar:
        export = build_export(db.session, tenant_id, scope.people, scope=scope.label,
                              period_from=period_from.date() if period_from else None,
                              period_to=period_to.date() if period_to else None, progress=bar.update)
    click.echo(f"Rendering {fmt}...", err=True)
    data = render(export, fmt)
    with open(out, "wb") as fh:
        fh.write(data)
    click.echo(f"wrote {out} ({len(data)} bytes, {len(export.people)} people)")


# -- certifications -------------------------------------------------------------------------------------------

@click.group("certifications")
def certifications() -> None:
    """Certifications: requirements (goal rules), validity and renewal, and who should hold them."""


@certifications.command("create")
@click.option("--title", required=True)
@click.option("--definition", "definition_text", required=True,
              help='JSON or @file: {"requirements": [{"title", "rule"}], "mode", "n", "validity_months", '
                   '"renewal_days"}')
@click.option("--description", default="")
@click.option("--tenant", default=DEFAULT_TENANT, show_default=True)
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def certifications_create(title, definition_text, description, tenant, as_json):
    """Define a certification."""
    from lrs.progress.cert_service import CertificationError, create_certification

    definition = (_options((f"d={definition_text}",))["d"] if definition_text.startswith("@")
                  else _json_arg(definition_text, "--definition"))
    try:
        made = create_certification(db.session, _tenant_id(tenant), title, description, definition)
    except CertificationError as exc:
        _fail(f"{exc.detail} ({exc.path})")
    db.session.commit()
    _emit({"id": made.id, "title": made.title}, as_json, [f"created certification {made.id}: {made.title}"])


@certifications.command("assign")
@click.argument("certification_id", type=int)
@click.option("--person", "employee_ids", multiple=True, help="An employee_id (repeatable).")
@click.option("--team", "team_name", default=None, help="Every member of a team.")
@click.option("--tenant", default=DEFAULT_TENANT, show_default=True)
@with_appcontext
def certifications_assign(certification_id, employee_ids, team_name, tenant):
    """Make people holders-to-be; statements already stored count."""
    from lrs.models import Certification, Person, Team
    from lrs.people.directory import team_members
    from lrs.progress.cert_service import CertificationError, assign

    tenant_id = _tenant_id(tenant)
    certification = db.session.get(Certification, certification_id)
    if certification is None or certification.tenant_id != tenant_id:
        _fail(f"no certification {certification_id} in tenant {tenant}")
    people = []
    for employee_id in employee_ids:
        person_id = db.session.scalar(select(Person.id).where(Person.tenant_id == tenant_id,
                                                              Person.employee_id == employee_id))
        if person_id is None:
            _fail(f"no person with employee_id {employee_id!r}")
        people.append(person_id)
    if team_name:
        team_id = db.session.scalar(select(Team.id).where(Team.tenant_id == tenant_id, Team.name == team_name))
        if team_id is None:
            _fail(f"no team {team_name!r}")
        people += team_members(db.session, tenant_id, team_id)
    if not people:
        _fail("name --person or --team")
    try:
        made = assign(db.session, certification, people)
    except CertificationError as exc:
        _fail(exc.detail)
    db.session.commit()
    click.echo(f"assigned {len(made)} new holder(s) of {certification.title}")
