"""statement_ids as the write path's directory: each id's seq, StatementRef target and voiding flag

A write looks stored statements up by id (the statements its StatementRefs target) and by the id they
target (the stored statements that target what it writes). On PostgreSQL ``statements`` is partitioned by
``stored_us`` (0017), so such a lookup was planned and run on every partition, at a cost that grows with
each month the store lives. ``statement_ids`` is one table, keyed by id already: it now holds each
statement's ``seq``, ``ref_target`` and ``is_voiding`` too, with an index on the targets (by target alone:
SQLite's planner takes no other over the key's tenant prefix), and the index on ``statements (tenant_id,
ref_target)`` goes.

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-22 11:10:00
"""
from alembic import op
import sqlalchemy as sa


revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

TARGETED = sa.text("ref_target IS NOT NULL")


def upgrade():
    with op.batch_alter_table("statement_ids", schema=None) as batch_op:
        batch_op.add_column(sa.Column("seq", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("ref_target", sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column("is_voiding", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.execute("UPDATE statement_ids SET seq = s.seq, ref_target = s.ref_target, is_voiding = s.is_voiding "
               "FROM statements s WHERE s.tenant_id = statement_ids.tenant_id "
               "AND s.statement_id = statement_ids.statement_id")
    op.create_index("ix_statement_ids_ref", "statement_ids", ["ref_target"],
                    postgresql_where=TARGETED, sqlite_where=TARGETED)
    op.drop_index("ix_statements_tenant_ref", table_name="statements")


def downgrade():
    op.create_index("ix_statements_tenant_ref", "statements", ["tenant_id", "ref_target"])
    op.drop_index("ix_statement_ids_ref", table_name="statement_ids")
    with op.batch_alter_table("statement_ids", schema=None, table_kwargs={"sqlite_with_rowid": False}) as batch_op:
        batch_op.drop_column("is_voiding")
        batch_op.drop_column("ref_target")
        batch_op.drop_column("seq")
