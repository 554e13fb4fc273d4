"""GET/POST /audit, /crawl and /acceptance: the forms an operator launches jobs from.

Each POST checks its input (a wrong field gets the form again with one sentence, status 400),
queues the job (or finds its active twin: a double click launches nothing twice), records the
launch in the audit log and redirects to the job's page.

URLs typed into a form pass `check_form_url`, the guard of sites.toml's start URLs: a private
or local address is refused unless the server allows private URLs (`--allow-private-urls`) or a
site of the configuration declares that host with `allow_private_addresses = true`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from ecoaudit.errors import EcoauditError
from ecoaudit.net.hosts import host_matches
from ecoaudit.net.urls import UrlError, host_key
from ecoaudit.web.act_forms import (
    DEVICES,
    FormError,
    contract_from_form,
    list_contracts,
    number,
    private_hosts,
    sites_of,
)
from ecoaudit.web.context import form_of, record, render, settings_of, url_for, user_of
from ecoaudit.web.jobs import runner_of
from ecoaudit.web.routing import nav_item, route
from ecoaudit.web.security import check_form_url
from ecoaudit.web.settings import WebSettings

nav_item("act_nav_jobs", "act_jobs")
MAX_URLS = 20


async def launch(request: Request, kind: str, params: dict[str, Any], target: str) -> Response:
    """Queue the job (or find its active twin), log it, and go to its page."""
    runner = await runner_of(request)
    user = user_of(request)
    submitted = await run_in_threadpool(runner.jobs.submit, kind, params, user.name)
    job_id = submitted.job["id"]
    detail = "" if submitted.created else "already queued or running: not launched again"
    await run_in_threadpool(record, request, "launch", f"job {job_id}: {kind} {target}", detail)
    runner.wake()
    return RedirectResponse(url_for(request, "act_job", job_id=job_id), status_code=303)


async def checked_urls(settings: WebSettings, text: str, *, required: bool) -> list[str]:
    """The URLs of a textarea (one a line), each through the private-address guard."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if required and not lines:
        raise FormError("act_error_no_url")
    if len(lines) > MAX_URLS:
        raise FormError("act_error_too_many_urls", count=MAX_URLS)
    allowed = await run_in_threadpool(private_hosts, settings)
    urls = []
    for line in lines:
        try:
            urls.append(await run_in_threadpool(
                check_form_url, line, may_be_private(settings, allowed, line)))
        except EcoauditError as error:
            raise FormError("act_error_url", url=line, reason=str(error)) from None
    return list(dict.fromkeys(urls))


def may_be_private(settings: WebSettings, allowed: set[str], url: str) -> bool:
    """Whether `url` may name a private address: the server allows private URLs, or its host
    (and port) is one of `allowed`, the hosts of the sites that allow private addresses."""
    if settings.allow_private_urls:
        return True
    try:
        return host_matches(host_key(url), sorted(allowed))
    except (UrlError, ValueError):
        return False


def protocol_params(form: FormData) -> dict[str, Any]:
    """The protocol's waits and timeout typed into the form."""
    return {"wait_before": number(form, "wait_before", 3.0, 0, 120),
            "wait_after": number(form, "wait_after", 3.0, 0, 120),
            "timeout": number(form, "timeout", 60.0, 1, 3600)}


def _form_page(request: Request, template: str, error: FormError | None = None,
               **context: Any) -> Response:
    return render(request, template, form_error=error, status=400 if error else 200,
                  devices=DEVICES, **context)


# -- audit ---------------------------------------------------------------------------------------

@route("/audit", role="operator", methods=("GET", "POST"), name="act_audit")
async def audit_page(request: Request) -> Response:
    """The form to audit a few URLs now, and its launch."""
    if request.method == "GET":
        return _form_page(request, "web/audit.html", values={})
    form = await form_of(request)
    try:
        urls = await checked_urls(settings_of(request), str(form.get("urls", "")), required=True)
        devices = [name for name in form.getlist("device") if name in DEVICES] or ["desktop"]
        allowed = await run_in_threadpool(private_hosts, settings_of(request))
        private = any(may_be_private(settings_of(request), allowed, url) for url in urls)
        # Not allowed: the measurement refuses a private address too, even if the host's DNS
        # answer changed since the form checked it.
        params = {"urls": urls, "devices": devices,
                  "repeat": int(number(form, "repeat", 1, 1, 20)), **protocol_params(form),
                  **({} if private else {"allow_private": False})}
    except FormError as error:
        return _form_page(request, "web/audit.html", error, values=dict(form))
    return await launch(request, "audit", params, " ".join(urls))


# -- crawl ---------------------------------------------------------------------------------------

@route("/crawl", role="operator", methods=("GET", "POST"), name="act_crawl")
async def crawl_page(request: Request) -> Response:
    """The form to crawl a site of the configuration now, and its launch."""
    settings = settings_of(request)
    try:
        sites = await run_in_threadpool(sites_of, settings)
    except FormError as error:
        return _form_page(request, "web/crawl.html", error, sites=[], values={})
    if request.method == "GET":
        return _form_page(request, "web/crawl.html", sites=sites, values={})
    form = await form_of(request)
    try:
        name = str(form.get("site", ""))
        if name not in {site.name for site in sites}:
            raise FormError("act_error_site", site=name)
        params = {"site": name, **protocol_params(form)}
    except FormError as error:
        return _form_page(request, "web/crawl.html", error, sites=sites, values=dict(form))
    return await launch(request, "crawl", params, name)


# -- acceptance ----------------------------------------------------------------------------------

@route("/acceptance", role="operator", methods=("GET", "POST"), name="act_acceptance")
async def acceptance_page(request: Request) -> Response:
    """The form to run an acceptance (a contract of the configuration folder, or clauses
    filled in), and its launch."""
    settings = settings_of(request)
    contracts = await run_in_threadpool(list_contracts, settings)
    if request.method == "GET":
        return _form_page(request, "web/acceptance.html", contracts=contracts, values={})
    form = await form_of(request)
    try:
        urls = await checked_urls(settings, str(form.get("urls", "")), required=False)
        if form.get("source") == "form":
            clause_urls = await checked_urls(settings, str(form.get("scope_urls", "")),
                                             required=True)
            path = await run_in_threadpool(contract_from_form, settings, form, clause_urls)
        else:
            chosen = str(form.get("contract", ""))
            found = {str(item["path"]): item for item in contracts}
            if chosen not in found:
                raise FormError("act_error_contract_choice")
            path = Path(chosen)
        params = await run_in_threadpool(_acceptance_params, path, urls)
    except FormError as error:
        return _form_page(request, "web/acceptance.html", error, contracts=contracts,
                          values=dict(form))
    return await launch(request, "acceptance", params, path.name)


def _acceptance_params(path: Path, urls: list[str]) -> dict[str, Any]:
    """The job's parameters: the contract (checked now: a malformed one is refused with its
    sentence), its digest (an edited contract is another job), the URLs typed, if any."""
    import hashlib

    from ecoaudit.workflows.acceptance import load_contract

    try:
        contract = load_contract(path)
    except EcoauditError as error:
        raise FormError("act_error_contract", reason=str(error)) from None
    pages = urls or contract.urls
    return {"contract_path": str(path.resolve()),
            "contract_sha256": hashlib.sha256(contract.text.encode("utf-8")).hexdigest(),
            "urls": urls, "measurements": len(pages) * contract.measurement.runs or None}
