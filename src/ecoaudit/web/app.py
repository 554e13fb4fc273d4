"""The Starlette application of `ecoaudit serve`.

Starlette rather than FastAPI or Litestar: the pages are server-rendered forms, so a routing
layer, Jinja2, signed-cookie sessions and an ASGI server are all we need; the data-validation
and OpenAPI layers of the others would be weight without use.

`create_app(settings)` imports every module of `ecoaudit.web.views` (their `@route`s register
in `routing.ROUTES`) and wraps each view (`guarded`): the user is identified (the session, or
the trusted proxy header when enabled), an anonymous request is redirected to /login, a user
without the route's role gets a 403 page, a POST without the session's CSRF token gets a 403
page. Every response carries security headers; the Content-Security-Policy allows no script
(pages work without JavaScript) and inline styles only.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, MutableMapping
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import quote

from sqlalchemy.exc import DBAPIError
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from ecoaudit.errors import EcoauditError
from ecoaudit.report.i18n import LANGUAGES
from ecoaudit.store import StoreError
from ecoaudit.web import errors
from ecoaudit.web.context import StoreHolder
from ecoaudit.web.routing import PUBLIC, ROUTES, WebRoute, has_role
from ecoaudit.web.security import CSRF_FIELD, CSRF_HEADER, csrf_valid
from ecoaudit.web.sessions import identify
from ecoaudit.web.settings import WebSettings, session_secret

SESSION_COOKIE = "ecoaudit_session"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
SECURITY_HEADERS = [
    (b"content-security-policy",
     b"default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
     b"form-action 'self'; frame-ancestors 'none'; base-uri 'none'"),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
]

log = logging.getLogger(__name__)


def create_app(settings: WebSettings) -> Starlette:
    """The web application over the database of `settings` (opened at the first request)."""
    import ecoaudit.web.views  # noqa: F401  (registers every view's routes)

    holder = StoreHolder(settings.db_url)

    @asynccontextmanager
    async def lifespan(started: Starlette):  # type: ignore[no-untyped-def]
        from ecoaudit.web.jobs import start_jobs, stop_jobs

        try:  # jobs left running by a stopped server are marked failed now, not at first use
            await start_jobs(started)
        except (StoreError, DBAPIError) as error:  # the database may come back: first use
            log.warning("The jobs runner will start at the first jobs page: %s", error)
        yield
        await stop_jobs(started)
        holder.close()

    max_age = int(settings.session_hours * 3600)
    app = Starlette(
        routes=[_starlette_route(web_route) for web_route in _checked_routes()],
        middleware=[
            Middleware(SecurityHeaders),
            Middleware(SchemeAwareSession, secret_key=session_secret(settings),
                       max_age=max_age, always_secure=settings.https_only),
        ],
        exception_handlers={
            HTTPException: errors.http_error,
            StoreError: errors.store_error,
            DBAPIError: errors.database_error,
            EcoauditError: errors.ecoaudit_error,
            Exception: errors.server_error,
        },
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.store = holder
    return app


def _checked_routes() -> list[WebRoute]:
    """The registered routes, and "/" (`views.core.home`: to the dashboard) when no view takes
    it; two views for the same path and method is a bug."""
    from ecoaudit.web.views.core import home

    routes = list(ROUTES)
    if not any(web_route.path == "/" and "GET" in web_route.methods for web_route in routes):
        routes.append(WebRoute("/", home, ("GET",), "viewer", "home"))
    seen: dict[tuple[str, str], str] = {}
    for web_route in routes:
        for method in web_route.methods:
            other = seen.setdefault((web_route.path, method), web_route.name)
            if other != web_route.name:
                raise RuntimeError(f"{method} {web_route.path} is both {other!r} and "
                                   f"{web_route.name!r}")
    return routes


def _starlette_route(web_route: WebRoute) -> Route:
    return WebStarletteRoute(web_route)


class WebStarletteRoute(Route):
    """A Starlette route that remembers its WebRoute (its role: the tests enumerate them)."""

    def __init__(self, web_route: WebRoute) -> None:
        super().__init__(web_route.path, guarded(web_route), methods=list(web_route.methods),
                         name=web_route.name)
        self.web_route = web_route


def guarded(web_route: WebRoute) -> Callable[[Request], Awaitable[Response]]:
    """The view of `web_route` behind the login, role and CSRF checks."""

    async def endpoint(request: Request) -> Response:
        asked = request.query_params.get("lang")
        if asked in LANGUAGES:
            request.session["lang"] = asked
        user, refusal = await identify(request)
        request.state.user = user
        if web_route.role != PUBLIC:
            if refusal is not None:
                return errors.error_page(request, 403, refusal)
            if user is None:
                return _to_login(request)
            if not has_role(user.role, web_route.role):
                return errors.error_page(request, 403, errors.message(
                    request, "error_role", role=errors.message(request, f"role_{web_route.role}")))
        if request.method in UNSAFE_METHODS and not await _csrf_ok(request):
            return errors.error_page(request, 403, errors.message(request, "error_csrf"))
        return await web_route.endpoint(request)

    endpoint.__name__ = web_route.name
    endpoint.__doc__ = web_route.endpoint.__doc__
    return endpoint


def _to_login(request: Request) -> Response:
    wanted = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    target = "/login" if request.method != "GET" else f"/login?next={quote(wanted, safe='')}"
    return RedirectResponse(request.scope.get("root_path", "") + target, status_code=303)


async def _csrf_ok(request: Request) -> bool:
    sent: Any = request.headers.get(CSRF_HEADER)
    if not sent:
        form = await request.form()
        sent = form.get(CSRF_FIELD)
    return csrf_valid(request.session, sent)


class SchemeAwareSession:
    """Signed-cookie sessions (HttpOnly, SameSite=Lax), marked Secure when the request came
    over HTTPS (directly, or as the reverse proxy says with X-Forwarded-Proto when uvicorn
    trusts it), or always with `always_secure`."""

    def __init__(self, app: ASGIApp, *, secret_key: str, max_age: int,
                 always_secure: bool) -> None:
        common: dict[str, Any] = {"secret_key": secret_key, "session_cookie": SESSION_COOKIE,
                                  "max_age": max_age, "same_site": "lax"}
        self.plain = SessionMiddleware(app, https_only=always_secure, **common)
        self.secure = SessionMiddleware(app, https_only=True, **common)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        chosen = self.secure if scope.get("scheme") in ("https", "wss") else self.plain
        await chosen(scope, receive, send)


class SecurityHeaders:
    """Adds the security headers to every HTTP response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: MutableMapping[str, Any]) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                message["headers"] = [*message.get("headers", []), *(
                    header for header in SECURITY_HEADERS if header[0] not in present)]
            await send(message)

        await self.app(scope, receive, send_with_headers)
