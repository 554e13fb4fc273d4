"""GET /sites/{name}: one site (key figures, trend, last runs, changes, to-do, RGESN table,
targets, device profiles and journeys of its latest run)."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from ecoaudit.report.rgesn_table import MANUAL
from ecoaudit.web.context import render, settings_of, store_of
from ecoaudit.web.routing import route
from ecoaudit.web.views.read_charts import trend_chart
from ecoaudit.web.views.read_data import site_view, sites_config
from ecoaudit.web.views.read_words import read_globals

TODO_ITEMS = 10  # rules of the to-do list shown on the site's page


@route("/sites/{name}", name="read_site")
async def site_page(request: Request) -> Response:
    """A site's report, live."""
    name = request.path_params["name"]
    config = sites_config(settings_of(request).config_path)
    view = await run_in_threadpool(site_view, store_of(request), config, name)
    rows = view.report.rgesn
    return render(
        request, "web/site.html", view=view, report=view.report, site=view.report.site,
        trend_chart=trend_chart,
        target_rows=[{"site": view.report.site.label, "target": target}
                     for target in view.report.targets], todo_items=TODO_ITEMS, **read_globals(),
        checked_rows=[row for row in rows if row.criterion.check != MANUAL],
        manual_rows=[row for row in rows if row.criterion.check == MANUAL],
    )
