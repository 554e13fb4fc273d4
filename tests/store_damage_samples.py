"""Real databases to damage (or age) in the store-safety tests, and ways to look at files
without changing them."""

from __future__ import annotations

import hashlib
from pathlib import Path

from ecoaudit.store import Store
from store_samples import sample_capture, sample_co2, sample_findings


def filled_database(path: Path, *, runs: int = 2, pages: int = 30, site: str = "metz") -> Path:
    """A SQLite file with `runs` completed runs of `pages` pages (about 7 KB a page)."""
    with Store.open(str(path)) as store:
        store.upsert_site(site, title="Ville de Metz", group="own", config={})
        for _ in range(runs):
            run_id = store.start_run(site, settings={}, protocol={})
            for number in range(pages):
                store.record_page(run_id, capture=sample_capture(f"/page-{number}"),
                                  findings=sample_findings() * 6, co2=sample_co2())
            store.finish_run(run_id, "completed")
    return path


def fingerprint(folder: Path) -> dict[str, str]:
    """SHA-256 of every file in `folder` (a database, its journal, anything created beside)."""
    return {path.name: hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(folder.iterdir()) if path.is_file()}
