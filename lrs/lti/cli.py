"""``lrs lti``: platforms (add, list, remove), the URLs to paste into the LMS, courses and roster sync, grades."""

from __future__ import annotations

import json

import click
from flask import current_app
from flask.cli import with_appcontext

from lrs.cli import _emit, _fail, _tenant_id
from lrs.extensions import db
from lrs.lti import grades as grade_service
from lrs.lti import platforms as platform_service
from lrs.lti.errors import LtiError
from lrs.tenancy.credentials import DEFAULT_TENANT


@click.group("lti")
def lti() -> None:
    """LTI 1.3: the LMSs (Moodle, Canvas, ...) this service is a tool of."""


@lti.group("platforms")
def platforms() -> None:
    """Platform registrations (one per LMS and client id)."""


@platforms.command("add")
@click.option("--issuer", required=True, help="The platform's issuer (Moodle: its URL; Canvas: "
                                              "https://canvas.instructure.com).")
@click.option("--client-id", required=True)
@click.option("--deployment-id", "deployment_ids", multiple=True, required=True, help="Repeat for several.")
@click.option("--auth-login-url", required=True, help="The platform's OIDC authorization endpoint.")
@click.option("--auth-token-url", required=True, help="The platform's OAuth 2 token endpoint.")
@click.option("--key-set-url", required=True, help="The platform's JWKS URL.")
@click.option("--frame-origin", "frame_origins", multiple=True,
              help="Another origin whose pages frame the tool (Canvas: https://<school>.instructure.com).")
@click.option("--tenant", default=DEFAULT_TENANT, show_default=True)
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def platforms_add(issuer, client_id, deployment_ids, auth_login_url, auth_token_url, key_set_url, frame_origins,
                  tenant, as_json):
    """Register a platform."""
    try:
        platform = platform_service.add_platform(
            db.session, tenant=tenant, issuer=issuer, client_id=client_id, deployment_ids=list(deployment_ids),
            auth_login_url=auth_login_url, auth_token_url=auth_token_url, key_set_url=key_set_url,
            frame_origins=list(frame_origins))
        db.session.commit()
    except LtiError as exc:
        db.session.rollback()
        _fail(f"{exc.detail} ({exc.path})")
    _emit(platform_service.view(db.session, platform), as_json,
          [f"registered platform {platform.id}: {platform.issuer} (client {platform.client_id}) in tenant {tenant}"])


@platforms.command("list")
@click.option("--tenant", default=None)
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def platforms_list(tenant, as_json):
    """The registered platforms."""
    items = [platform_service.view(db.session, p) for p in platform_service.platforms_of(
        db.session, _tenant_id(tenant))]
    if as_json:
        click.echo(json.dumps(items))
        return
    for item in items:
        click.echo(f"{item['id']:>4} {item['tenant']:<12} {item['issuer']}  client={item['client_id']} "
                   f"deployments={','.join(item['deployment_ids'])}")


@platforms.command("remove")
@click.argument("platform_id", type=int)
@click.option("--tenant", default=None)
@with_appcontext
def platforms_remove(platform_id, tenant):
    """Forget a platform (its courses, placements and pending grades go too; people and goals stay)."""
    try:
        platform = platform_service.get_platform(db.session, _tenant_id(tenant), platform_id)
    except LtiError as exc:
        _fail(exc.detail)
    platform_service.remove_platform(db.session, platform)
    db.session.commit()
    click.echo(f"removed platform {platform_id}")


@lti.command("urls")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def urls(as_json):
    """The URLs to paste into the LMS's tool configuration (from LRS_PUBLIC_URL)."""
    from lrs.lti.web import tool_urls

    found = tool_urls(current_app.config.get("LRS_PUBLIC_URL") or "https://lrs.example.com")
    _emit(found, as_json, [f"{name.replace('_', ' ')}: {url}" for name, url in found.items()])


@lti.group("grades")
def grades() -> None:
    """Scores sent to the courses' gradebooks (Assignment and Grade Services)."""


@grades.command("list")
@click.option("--tenant", default=DEFAULT_TENANT, show_default=True)
@click.option("--status", type=click.Choice(grade_service.STATUSES), default=None)
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def grades_list(tenant, status, as_json):
    """Deliveries with their status, attempts and last error."""
    items = grade_service.deliveries(db.session, _tenant_id(tenant), status)
    if as_json:
        click.echo(json.dumps(items))
        return
    for item in items:
        click.echo(f"{item['id']:>5} {item['status']:<9} attempts={item['attempts']} "
                   f"{item['placement']['kind']} {item['placement']['title']!r} person={item['person_id']} "
                   f"last_error={item['last_error'] or '-'}")


@grades.command("deliver")
@with_appcontext
def grades_deliver():
    """Send the scores that are due now (``lrs worker`` does this continuously)."""
    sent = grade_service.deliver_due_grades(db.session, current_app.config["SECRET_KEY"])
    click.echo(f"delivered {sent} score(s)")


@lti.group("roster")
def roster() -> None:
    """Course rosters (Names and Role Provisioning Services)."""


@roster.command("sync")
@click.argument("context_pk", type=int)
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def roster_sync(context_pk, as_json):
    """Read a course's roster into its team (CONTEXT_PK: the id `lrs lti contexts` shows)."""
    from lrs.lti.oauth import ensure_tool_key
    from lrs.lti.roster import sync_roster
    from lrs.models.lti import LtiContext

    context = db.session.get(LtiContext, context_pk)
    if context is None:
        _fail(f"no LTI course {context_pk}")
    secret_key = current_app.config["SECRET_KEY"]
    try:
        ensure_tool_key(db.session, secret_key)
        db.session.commit()
        counts = sync_roster(db.session, secret_key, context)
        db.session.commit()
    except LtiError as exc:
        db.session.rollback()
        _fail(exc.detail)
    _emit({"context": context.id, **counts}, as_json,
          [f"synced {context.title}: " + ", ".join(f"{n} {what}" for what, n in counts.items())])


@lti.command("contexts")
@click.option("--tenant", default=None)
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def contexts(tenant, as_json):
    """Courses the tool was launched from."""
    from sqlalchemy import select

    from lrs.models.lti import LtiContext, LtiPlatform

    query = select(LtiContext).join(LtiPlatform, LtiPlatform.id == LtiContext.platform_id).order_by(LtiContext.id)
    if tenant is not None:
        query = query.where(LtiPlatform.tenant_id == _tenant_id(tenant))
    items = [{"id": c.id, "platform_id": c.platform_id, "context_id": c.context_id, "title": c.title,
              "team_id": c.team_id, "roster": bool(c.memberships_url)} for c in db.session.scalars(query)]
    if as_json:
        click.echo(json.dumps(items))
        return
    for item in items:
        click.echo(f"{item['id']:>4} {item['title']}  (platform {item['platform_id']}, course {item['context_id']}, "
                   f"roster {'yes' if item['roster'] else 'no'})")
