"""statement ids apart; on PostgreSQL, statements partitioned by time

Statement ids are kept unique by ``statement_ids`` rather than by a unique key of ``statements``: a
partitioned table's unique keys must include its partition key. On PostgreSQL ``statements`` becomes a
table partitioned by range of ``stored_us`` (declarative partitioning), one partition per calendar month
(UTC) from the oldest statement's month to twelve months ahead, and a default partition for the rest;
``lrs partitions ensure`` (run by ``lrs init`` and ``lrs worker``) keeps months ahead ready. On SQLite the
table stays as it is, less its unique key.

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-22 02:20:00
"""
from alembic import op
import sqlalchemy as sa

from lrs.xapi.partitions import create_months, months_between


revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

COLUMNS = ("seq, tenant_id, statement_id, stored_us, credential_id, verb_id, ref_target, is_voiding, voided, "
           "payload, attachment_hashes")
INDEXES = (("ix_statements_tenant_seq", "tenant_id, seq"), ("ix_statements_tenant_stored", "tenant_id, stored_us"),
           ("ix_statements_tenant_ref", "tenant_id, ref_target"))


def _create_statements(partitioned: bool) -> None:
    """The statement log's table: partitioned by ``stored_us`` (its key then holds it), or one plain table
    whose key is ``seq`` and whose statement ids are unique by a key of its own (as before this revision)."""
    keys = ("CONSTRAINT statements_pkey PRIMARY KEY (seq, stored_us)" if partitioned else
            "CONSTRAINT statements_pkey PRIMARY KEY (seq), "
            "CONSTRAINT uq_statements_tenant_id UNIQUE (tenant_id, statement_id)")
    op.execute(f"""
        CREATE TABLE statements (
            seq BIGINT NOT NULL DEFAULT nextval('statements_seq_seq'),
            tenant_id BIGINT NOT NULL,
            statement_id VARCHAR(36) NOT NULL,
            stored_us BIGINT NOT NULL,
            credential_id BIGINT,
            verb_id TEXT NOT NULL,
            ref_target VARCHAR(36),
            is_voiding BOOLEAN NOT NULL,
            voided BOOLEAN NOT NULL,
            payload TEXT NOT NULL,
            attachment_hashes TEXT,
            {keys},
            CONSTRAINT statements_tenant_id_fkey FOREIGN KEY (tenant_id) REFERENCES tenants (id)
        ){" PARTITION BY RANGE (stored_us)" if partitioned else ""}""")


def upgrade():
    op.create_table(
        "statement_ids",
        sa.Column("tenant_id", sa.BigInteger(), nullable=False),
        sa.Column("statement_id", sa.String(length=36), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "statement_id"),
        sqlite_with_rowid=False,
    )
    op.execute("INSERT INTO statement_ids (tenant_id, statement_id) SELECT tenant_id, statement_id FROM statements")
    if op.get_bind().dialect.name != "postgresql":
        with op.batch_alter_table("statements", schema=None, table_kwargs={"sqlite_autoincrement": True}) as batch_op:
            batch_op.drop_constraint("uq_statements_tenant_id", type_="unique")
            batch_op.create_index("ix_statements_tenant_statement", ["tenant_id", "statement_id"], unique=False)
        return
    bind = op.get_bind()
    op.execute("ALTER TABLE statements RENAME TO statements_unpartitioned")
    op.execute("ALTER TABLE statements_unpartitioned RENAME CONSTRAINT statements_pkey TO statements_unpartitioned_pkey")
    op.execute("ALTER TABLE statements_unpartitioned "
               "RENAME CONSTRAINT statements_tenant_id_fkey TO statements_unpartitioned_tenant_id_fkey")
    for name, _ in INDEXES:
        op.execute(f"ALTER INDEX {name} RENAME TO {name}_unpartitioned")
    _create_statements(partitioned=True)
    op.execute("CREATE TABLE statements_default PARTITION OF statements DEFAULT")
    oldest = bind.scalar(sa.text("SELECT min(stored_us) FROM statements_unpartitioned"))
    create_months(bind, months_between(oldest, ahead=12))
    for name, columns in (*INDEXES, ("ix_statements_tenant_statement", "tenant_id, statement_id")):
        op.execute(f"CREATE INDEX {name} ON statements ({columns})")
    op.execute(f"INSERT INTO statements ({COLUMNS}) SELECT {COLUMNS} FROM statements_unpartitioned")
    op.execute("ALTER SEQUENCE statements_seq_seq OWNED BY statements.seq")
    op.execute("DROP TABLE statements_unpartitioned")
    op.execute("ANALYZE statements")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE statements RENAME TO statements_partitioned")
        op.execute("ALTER TABLE statements_partitioned RENAME CONSTRAINT statements_pkey TO statements_partitioned_pkey")
        op.execute("ALTER TABLE statements_partitioned "
                   "RENAME CONSTRAINT statements_tenant_id_fkey TO statements_partitioned_tenant_id_fkey")
        for name, _ in (*INDEXES, ("ix_statements_tenant_statement", "")):
            op.execute(f"ALTER INDEX {name} RENAME TO {name}_partitioned")
        _create_statements(partitioned=False)
        op.execute(f"INSERT INTO statements ({COLUMNS}) SELECT {COLUMNS} FROM statements_partitioned")
        op.execute("ALTER SEQUENCE statements_seq_seq OWNED BY statements.seq")
        op.execute("DROP TABLE statements_partitioned")
        for name, columns in INDEXES:
            op.execute(f"CREATE INDEX {name} ON statements ({columns})")
    else:
        with op.batch_alter_table("statements", schema=None, table_kwargs={"sqlite_autoincrement": True}) as batch_op:
            batch_op.drop_index("ix_statements_tenant_statement")
            batch_op.create_unique_constraint("uq_statements_tenant_id", ["tenant_id", "statement_id"])
    op.drop_table("statement_ids")


