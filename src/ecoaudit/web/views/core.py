"""The login page and logging out; "/" when no other view takes it (see `web.app`)."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from ecoaudit.web import accounts
from ecoaudit.web.context import (
    current_user,
    form_of,
    home_url,
    record,
    render,
    store_of,
    url_for,
)
from ecoaudit.web.routing import PUBLIC, route
from ecoaudit.web.security import login_throttle
from ecoaudit.web.sessions import log_in, log_out

DASHBOARD = "dashboard"  # the name of READ's dashboard route


async def home(request: Request) -> Response:
    """"/" when no other view takes it (the app adds it then): the dashboard, else the first
    entry of the navigation."""
    names = {getattr(found, "name", None) for found in request.app.routes}
    if DASHBOARD in names:
        return RedirectResponse(url_for(request, DASHBOARD), status_code=303)
    return render(request, "web/error.html", title="ecoaudit", message="")


@route("/login", role=PUBLIC, methods=("GET",), name="login")
async def login_page(request: Request) -> Response:
    """The login form (or, when already logged in, where the user was going)."""
    wanted = safe_next(request.query_params.get("next"))
    if current_user(request) is not None:
        return RedirectResponse(wanted or home_url(request), status_code=303)
    return render(request, "web/login.html", next=wanted, name="")


@route("/login", role=PUBLIC, methods=("POST",), name="login_post")
async def login_post(request: Request) -> Response:
    """Check a name and password, within the rate limit; on success a fresh session."""
    form = await form_of(request)
    name = str(form.get("name", "")).strip()[:accounts.MAX_NAME_LENGTH]
    password = str(form.get("password", ""))
    wanted = safe_next(str(form.get("next", "")))
    address = request.client.host if request.client else "unknown"
    store = store_of(request)
    throttle = await run_in_threadpool(login_throttle, store, name, address)
    if not throttle.allowed:
        await run_in_threadpool(accounts.record, store, name or "-", "login_refused",
                                address, f"rate limit, {throttle.wait_seconds} s")
        return render(request, "web/login.html", status=429, next=wanted, name=name,
                      throttled=throttle.wait_seconds,
                      headers={"Retry-After": str(throttle.wait_seconds)})
    account = await run_in_threadpool(accounts.verify_password, store, name, password)
    if account is None:
        await run_in_threadpool(accounts.note_failed_login, store, name, address)
        await run_in_threadpool(accounts.record, store, name or "-", "login_failed", address)
        return render(request, "web/login.html", status=401, next=wanted, name=name,
                      failed=True)
    await run_in_threadpool(accounts.forget_failures, store, name, address)
    log_in(request, account.name)
    await run_in_threadpool(accounts.record, store, account.name, "login", address)
    return RedirectResponse(wanted or home_url(request), status_code=303)


@route("/logout", methods=("POST",), name="logout")
async def logout(request: Request) -> Response:
    """End the session (a POST with the CSRF token: a link cannot log anyone out)."""
    address = request.client.host if request.client else "unknown"
    await run_in_threadpool(record, request, "logout", address)
    log_out(request)
    return RedirectResponse(url_for(request, "login"), status_code=303)


def safe_next(wanted: str | None) -> str | None:
    """A path of this site to go back to after logging in; None for anything else (an
    absolute or scheme-relative URL would make the login page an open redirect)."""
    if not wanted or not wanted.startswith("/") or wanted.startswith("//") or "\\" in wanted:
        return None
    if any(ord(char) < 32 for char in wanted):
        return None
    return wanted
