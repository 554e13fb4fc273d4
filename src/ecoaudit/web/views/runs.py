"""GET /runs/{id}: one run (its figures, its pages page by page, the rules its pages break,
documents, duplicates, device profiles and journeys where they exist)."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from ecoaudit.web.context import render, store_of
from ecoaudit.web.routing import route
from ecoaudit.web.views.read_data import int_param, paginate, run_view
from ecoaudit.web.views.read_words import read_globals

LISTED = 20  # documents, duplicates and rules listed before "n more"


@route("/runs/{run_id:int}", name="read_run")
async def run_page(request: Request) -> Response:
    """A run's figures and the list of its pages, 50 at a time (`?p=N`)."""
    view = await run_in_threadpool(run_view, store_of(request), request.path_params["run_id"])
    paging = paginate(view.rows, int_param(request.query_params.get("p")))
    return render(
        request, "web/run.html", view=view, run=view.run, report=view.report,
        site=view.report.site, paging=paging, listed=LISTED, **read_globals(),
    )
