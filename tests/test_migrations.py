"""The schema changes only through Alembic: every revision upgrades and downgrades on both databases."""

from __future__ import annotations

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from lrs.extensions import db
from lrs.xapi.partitions import include_name

CORE_TABLES = {"statements", "statement_ids", "statement_index", "credentials", "tenants", "documents", "users",
               "api_tokens", "sources", "people", "identities", "goals", "goal_progress", "profiles", "pattern_states",
               "forwarders", "certifications", "badges", "seen_actors"}


def _tables() -> set[str]:
    return set(sa.inspect(db.engine).get_table_names())


def test_downgrade_to_base_and_upgrade_again(app):
    with app.app_context():
        assert CORE_TABLES <= _tables()
        downgrade(revision="base")
        assert _tables() <= {"alembic_version"}
        upgrade()
        assert CORE_TABLES <= _tables()


def test_models_match_the_migrations(app):
    """No model change without a revision: autogenerate finds nothing to do."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with app.app_context(), db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"include_name": include_name}), db.metadata)
    assert diff == []


def test_sqlite_never_reuses_a_statement_seq(app):
    """The log's seq is AUTOINCREMENT on SQLite after every revision (an erased last statement must not free
    its number: paging and the progress cursor rely on seqs only growing)."""
    with app.app_context(), db.engine.connect() as conn:
        if conn.dialect.name != "sqlite":
            assert conn.exec_driver_sql("SELECT pg_get_serial_sequence('statements', 'seq')").scalar()
            return
        sql = conn.exec_driver_sql("SELECT sql FROM sqlite_master WHERE name = 'statements'").scalar()
    assert "AUTOINCREMENT" in sql
