"""GET /runs/{id}/pages/{page_id}: one measurement (figures, requests by type and host, every
request 50 at a time, the evidence of each finding)."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from ecoaudit.report.pages import requests_by_domain, requests_by_type, third_party_domains
from ecoaudit.web.context import render, store_of
from ecoaudit.web.routing import route
from ecoaudit.web.views.read_data import int_param, page_view, paginate
from ecoaudit.web.views.read_words import read_globals

EVIDENCE_ITEMS = 10  # evidence lines shown per finding


@route("/runs/{run_id:int}/pages/{page_id:int}", name="read_page")
async def page_page(request: Request) -> Response:
    """One page row of a run."""
    view = await run_in_threadpool(page_view, store_of(request), request.path_params["run_id"],
                                   request.path_params["page_id"])
    page = view.page
    findings = page.get("findings") or []
    domains = requests_by_domain(page)
    failing = [f for f in findings if f.get("status") in ("fail", "warn")]
    failing.sort(key=lambda f: (f["status"] != "fail", -(f.get("saving_bytes") or 0)))
    not_applicable = [] if page.get("error") else [f for f in findings if f.get("status") == "na"]
    return render(
        request, "web/page.html", view=view, run=view.run, page=page,
        by_type=requests_by_type(page), by_domain=domains[:10],
        domains=len(domains), third_parties=third_party_domains(page),
        requests=paginate(page.get("requests") or [], int_param(request.query_params.get("p"))),
        failing=failing, not_applicable=not_applicable,
        passed_count=sum(f.get("status") == "pass" for f in findings),
        evidence_items=EVIDENCE_ITEMS, **read_globals(),
    )
