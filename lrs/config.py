"""Configuration read from ``LRS_``-prefixed environment variables."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

DEFAULT_MAX_BODY = 16 * 1024 * 1024


def _secret_key(instance_path: Path) -> str:
    """Return LRS_SECRET_KEY, or a key generated once and kept in the instance folder."""
    key = os.environ.get("LRS_SECRET_KEY")
    if key:
        return key
    path = instance_path / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key


def from_environment(instance_path: Path) -> dict:
    """Build the app configuration from the environment."""
    env = os.environ
    return {
        "SECRET_KEY": _secret_key(instance_path),
        "SQLALCHEMY_DATABASE_URI": env.get(
            "LRS_DATABASE_URL", f"sqlite:///{instance_path / 'lrs.sqlite3'}"
        ),
        "MAX_CONTENT_LENGTH": int(env.get("LRS_MAX_BODY_BYTES", DEFAULT_MAX_BODY)),
        "LRS_STATEMENT_PAGE_SIZE": int(env.get("LRS_STATEMENT_PAGE_SIZE", "100")),
        "LRS_STATEMENT_PAGE_MAX": int(env.get("LRS_STATEMENT_PAGE_MAX", "1000")),
        "LRS_MAX_DOCUMENT_BYTES": int(env.get("LRS_MAX_DOCUMENT_BYTES", 10 * 1024 * 1024)),
        "LRS_STATE_PUT_PRECONDITION": env.get("LRS_STATE_PUT_PRECONDITION", "2.0"),
        "LRS_BATCH_MAX": int(env.get("LRS_BATCH_MAX", "1000")),
        "LRS_PUBLIC_URL": env.get("LRS_PUBLIC_URL", ""),
        "LRS_PLUGINS": env.get("LRS_PLUGINS", ""),
        "LRS_OIDC_ISSUER": env.get("LRS_OIDC_ISSUER", ""),
        "LRS_OIDC_CLIENT_ID": env.get("LRS_OIDC_CLIENT_ID", ""),
        "LRS_OIDC_CLIENT_SECRET": env.get("LRS_OIDC_CLIENT_SECRET", ""),
        "LRS_OIDC_TENANT": env.get("LRS_OIDC_TENANT", "default"),
        "LRS_KUDOS_PER_WEEK": int(env.get("LRS_KUDOS_PER_WEEK", "3")),
        # Pulse-check results appear from this many answers on; never below three.
        "LRS_PULSE_MIN_ANSWERS": max(3, int(env.get("LRS_PULSE_MIN_ANSWERS", "5"))),
        # PostgreSQL: seconds to wait for a connection before answering 503 (the database is away).
        "LRS_DB_CONNECT_TIMEOUT": int(env.get("LRS_DB_CONNECT_TIMEOUT", "5")),
        "LRS_PROGRESS_INLINE": env.get("LRS_PROGRESS_INLINE", "1").lower() not in ("0", "false", "no"),
    }
