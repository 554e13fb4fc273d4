"""GET /compare?a=RUN&b=RUN: two runs side by side (score, weight and requests per page, and
what changed), with a form to pick them."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from ecoaudit.web.context import render, store_of
from ecoaudit.web.routing import nav_item, route
from ecoaudit.web.views.read_data import comparison, int_param, paginate, runs_to_pick
from ecoaudit.web.views.read_words import read_globals

nav_item("read_nav_compare", "read_compare")


@route("/compare", name="read_compare")
async def compare_page(request: Request) -> Response:
    """The form, and the comparison when both runs are given."""
    store = store_of(request)
    query = request.query_params
    first, second = int_param(query.get("a"), 0), int_param(query.get("b"), 0)
    result = None
    if first and second:
        result = await run_in_threadpool(comparison, store, first, second)
    site = result.after["site"] if result else (query.get("site") or None)
    runs = await run_in_threadpool(runs_to_pick, store, site)
    paging = paginate(result.pairs if result else [], int_param(query.get("p")))
    return render(
        request, "web/compare.html", result=result, runs=runs, site=site, a=first, b=second,
        paging=paging, **read_globals(),
    )
