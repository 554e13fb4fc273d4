"""HTML reports per site and for the whole collectivité, with a key-figures CSV.

    from ecoaudit.report import generate_reports
    written = generate_reports(store, "reports", lang="fr", site_names=None, config=None)
    written.index            # reports/index.html; written.sites["metz"] -> reports/metz/index.html

Figures are pure functions of plain page entries (`figures`, `changes`, `todo`, ...), rendering is
`render.render_reports(list[SiteData], out_dir, lang)`, and `loader` reads the store.
"""

from __future__ import annotations

from pathlib import Path

from ecoaudit.report.loader import SitesConfig, load_sites
from ecoaudit.report.render import WrittenReports, render_reports
from ecoaudit.store import Store

DEFAULT_OUT_DIR = "reports"

__all__ = ["DEFAULT_OUT_DIR", "WrittenReports", "generate_reports", "render_reports"]


def generate_reports(
    store: Store,
    out_dir: str | Path = DEFAULT_OUT_DIR,
    *,
    lang: str = "fr",
    site_names: list[str] | None = None,
    config: SitesConfig | None = None,
) -> WrittenReports:
    """Read an open `Store` (and optionally a loaded sites.toml `Config`) and write the reports.

    With `site_names`, only those sites are reported (the collectivité page then covers them).
    """
    sites = load_sites(store, config, site_names)
    return render_reports(sites, Path(out_dir), lang)
