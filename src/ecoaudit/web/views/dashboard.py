"""The collectivité's dashboard (key figures, targets, the benchmark group, size categories),
as its report computes them, read live from the database: the home page, "/"."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from ecoaudit.report.collectivite import GRENOBLE_METROPOLE_2023, NATIONAL_PUBLIC_SERVICE_MEAN_2022
from ecoaudit.report.render import TARGET_STATUSES, TargetRow
from ecoaudit.web.context import render, settings_of, store_of
from ecoaudit.web.routing import nav_item, route
from ecoaudit.web.views.read_data import collectivite, sites_config
from ecoaudit.web.views.read_words import read_globals

DASHBOARD_PATH = "/"  # the home page of the interface (web.app adds no other view there)

nav_item("read_nav_dashboard", "dashboard")


@route(DASHBOARD_PATH, name="dashboard")
async def dashboard(request: Request) -> Response:
    """The collectivité's own sites, its targets and the benchmark group."""
    config = sites_config(settings_of(request).config_path)
    report = await run_in_threadpool(collectivite, store_of(request), config)
    target_rows: list[TargetRow] = [{"site": r.site.label, "target": target}
                                    for r in report.own.sites for target in r.targets]
    statuses = [row["target"].status for row in target_rows]
    return render(
        request, "web/dashboard.html", report=report, target_rows=target_rows,
        target_counts=[(s, statuses.count(s)) for s in TARGET_STATUSES if s in statuses],
        national_mean=NATIONAL_PUBLIC_SERVICE_MEAN_2022, grenoble=GRENOBLE_METROPOLE_2023,
        **read_globals(),
    )
