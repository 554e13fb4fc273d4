"""The database workers share: PostgreSQL (or another server database), never a SQLite file."""

from __future__ import annotations

from sqlalchemy.engine import make_url

from ecoaudit.errors import EcoauditError
from ecoaudit.store import Store, resolve_url
from ecoaudit.store.database import display_url


class NotShareable(EcoauditError):
    """A database several workers cannot share."""


def check_shared_database(db_url: str | None) -> str:
    """The resolved URL, once known to be a server database that answers; else one sentence
    (NotShareable, or the store's DatabaseUnavailable)."""
    url = resolve_url(db_url)
    if make_url(url).get_backend_name() == "sqlite":
        raise NotShareable(
            f"The database {display_url(url)} is a SQLite file, which several workers on several "
            "machines cannot share: give a PostgreSQL URL with --db or ECOAUDIT_DB (e.g. "
            "postgresql://ecoaudit@db-host/ecoaudit), or crawl without --broker.")
    Store.open(url).close()
    return url
