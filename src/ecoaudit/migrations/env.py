"""Alembic environment: runs on the connection that `ecoaudit.store.migrate` passes in.

Developers can also use the alembic command with `-x db=URL` (or ECOAUDIT_DB), e.g.
`alembic -c src/ecoaudit/migrations/alembic.ini revision --autogenerate -m "..." -x db=new.db`.
"""

from __future__ import annotations

from alembic import context

from ecoaudit.store.database import make_engine, resolve_url
from ecoaudit.store.models import Base

target_metadata = Base.metadata


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite cannot ALTER most things: recreate tables instead
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(resolve_url(context.get_x_argument(as_dictionary=True).get("db")))
    with engine.begin() as connection:
        _run(connection)
    engine.dispose()


if context.is_offline_mode():
    raise SystemExit("ecoaudit migrations run online only: pass -x db=URL.")
run_migrations_online()
