"""Fresh, migrated databases for a benchmark run: a SQLite file or a PostgreSQL database created and dropped."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

POSTGRES_ENV = "LRS_BENCH_POSTGRES_URL"
POSTGRES_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
SECRET_KEY = "bench-secret-key"


def postgres_server() -> str:
    return os.environ.get(POSTGRES_ENV, POSTGRES_DEFAULT)


def postgres_reachable() -> bool:
    try:
        engine = sa.create_engine(postgres_server())
        with engine.connect():
            pass
        engine.dispose()
        return True
    except sa.exc.OperationalError:
        return False


def _admin(server: str, *statements: str) -> None:
    engine = sa.create_engine(make_url(server), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        for statement in statements:
            conn.execute(sa.text(statement))
    engine.dispose()


def lrs_command() -> str:
    """The ``lrs`` console script of the running interpreter's environment."""
    return str(Path(sys.executable).with_name("lrs"))


def lrs_env(url: str) -> dict[str, str]:
    """The environment ``lrs`` commands and the server run with: this database, progress off (measured apart)."""
    return {**os.environ, "LRS_DATABASE_URL": url, "LRS_SECRET_KEY": SECRET_KEY, "LRS_PROGRESS_INLINE": "0",
            "LRS_PUBLIC_URL": "http://bench.example.com"}


def run_lrs(url: str, cwd: Path, *args: str) -> str:
    done = subprocess.run([lrs_command(), *args], env=lrs_env(url), cwd=cwd, capture_output=True, text=True,
                          timeout=600, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"lrs {' '.join(args)} exited {done.returncode}:\n{done.stdout}\n{done.stderr}")
    return done.stdout


@contextmanager
def fresh_database(kind: str, workdir: Path) -> Iterator[str]:
    """The URL of an empty database of ``kind`` (sqlite or postgresql) migrated with ``lrs db upgrade``."""
    if kind == "sqlite":
        url = f"sqlite:///{workdir / 'bench.sqlite3'}"
        run_lrs(url, workdir, "db", "upgrade", "heads")
        yield url
        return
    server = postgres_server()
    name = f"lrs_bench_{os.getpid()}"
    _admin(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"')
    url = make_url(server).set(database=name).render_as_string(hide_password=False)
    try:
        run_lrs(url, workdir, "db", "upgrade", "heads")
        yield url
    finally:
        _admin(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def analyze(engine: sa.Engine) -> None:
    """Fresh planner statistics after a bulk load (both databases plan from them).

    PostgreSQL also gets the VACUUM that autovacuum would otherwise start in the middle of the queries
    after a large load (it also lets index-only scans skip the table).
    """
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text("VACUUM ANALYZE" if engine.dialect.name == "postgresql" else "ANALYZE"))
