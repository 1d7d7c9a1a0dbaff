"""Revision 0013 makes exactly the LTI models' tables, and takes them away again, on both databases."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from lrs.extensions import db

LTI_TABLES = {"lti_platforms", "lti_logins", "lti_contexts", "lti_members", "lti_placements", "lti_grade_deliveries"}


def _tables() -> set[str]:
    return set(sa.inspect(db.engine).get_table_names())


def _touches_lti(diff) -> bool:
    text = repr(diff)
    return any(name in text for name in LTI_TABLES)


def test_models_match_revision_0013(app):
    with app.app_context(), db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
    assert [d for d in diff if _touches_lti(d)] == []


def test_downgrade_below_0013_and_upgrade_again(app):
    with app.app_context():
        assert LTI_TABLES <= _tables()
        downgrade(revision="0012")
        assert not LTI_TABLES & _tables()
        upgrade(revision="heads")
        assert LTI_TABLES <= _tables()
        fks = {fk["name"] for table in LTI_TABLES for fk in sa.inspect(db.engine).get_foreign_keys(table)}
        assert None not in fks and "fk_lti_grade_deliveries_placement" in fks
