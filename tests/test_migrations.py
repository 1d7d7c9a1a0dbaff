"""The schema changes only through Alembic: every revision upgrades and downgrades on both databases."""

from __future__ import annotations

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from lrs.extensions import db


def _tables() -> set[str]:
    return set(sa.inspect(db.engine).get_table_names())


def test_downgrade_to_base_and_upgrade_again(app):
    with app.app_context():
        assert {"statements", "statement_index", "credentials", "tenants", "documents", "users", "api_tokens", "sources", "people", "identities", "goals", "goal_progress", "profiles", "pattern_states", "forwarders", "certifications", "badges", "seen_actors"} <= _tables()
        downgrade(revision="base")
        assert _tables() <= {"alembic_version"}
        upgrade()
        assert {"statements", "statement_index", "credentials", "tenants", "documents", "users", "api_tokens", "sources", "people", "identities", "goals", "goal_progress", "profiles", "pattern_states", "forwarders", "certifications", "badges", "seen_actors"} <= _tables()


def test_models_match_the_migrations(app):
    """No model change without a revision: autogenerate finds nothing to do."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with app.app_context(), db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
    assert diff == []
