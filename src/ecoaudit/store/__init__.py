"""The results database: sites, runs, pages, captures, findings, documents.

    from ecoaudit.store import Store
    with Store.open("sqlite:///ecoaudit.db") as store:   # or None: $ECOAUDIT_DB / ./ecoaudit.db
        run_id = store.start_run("metz", settings={...}, protocol={...})
        store.record_page(run_id, capture=capture, findings=[...], co2={...})
        store.finish_run(run_id, "completed")
"""

from ecoaudit.store.database import DEFAULT_URL, ENV_VARIABLE, resolve_url
from ecoaudit.store.errors import DatabaseUnavailable, RunInProgress, RunNotFound, StoreError
from ecoaudit.store.repository import Store
from ecoaudit.store.run_sink import RunSink

__all__ = [
    "DEFAULT_URL",
    "ENV_VARIABLE",
    "DatabaseUnavailable",
    "RunInProgress",
    "RunNotFound",
    "RunSink",
    "Store",
    "StoreError",
    "resolve_url",
]
