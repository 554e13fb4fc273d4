"""Shared pytest fixtures. Each section says who uses it; append new sections at the end.

Store section: `store_url` runs a test once on a SQLite file and once on a real PostgreSQL
server (a private instance started once per test session by `postgres_server`; those cases are
skipped, with the reason, when PostgreSQL's binaries are not installed). `store` opens it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from ecoaudit.store import Store
from postgres_server import PostgresServer, PostgresUnavailable

# -- store ------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A throwaway PostgreSQL server on 127.0.0.1, for the whole test session."""
    try:
        server = PostgresServer.start()
    except PostgresUnavailable as reason:
        pytest.skip(f"PostgreSQL cannot run here: {reason}")
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path) -> str:
    """The URL of a new, empty database: a SQLite file, or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'ecoaudit.db'}"
    server: PostgresServer = request.getfixturevalue("postgres_server")
    return server.create_database(f"test_{uuid.uuid4().hex[:16]}")


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    """An open Store on `store_url`, closed after the test."""
    with Store.open(store_url) as opened:
        yield opened
