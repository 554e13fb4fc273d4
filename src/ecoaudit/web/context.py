"""What a view uses: the store, the logged-in user, the POSTed form, rendering a page, the
audit log and the server's settings.

    @route("/sites/{name}", name="site")
    async def site_page(request: Request) -> Response:
        store = store_of(request)
        return render(request, "web/site.html", site=...)

The application sets `request.state.user` before a view runs (see `web.app`).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from jinja2 import (
    ChainableUndefined,
    ChoiceLoader,
    Environment,
    PackageLoader,
    select_autoescape,
)
from markupsafe import Markup, escape
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse

from ecoaudit import __version__
from ecoaudit.report.render import plain_value
from ecoaudit.store import Store
from ecoaudit.web import accounts
from ecoaudit.web.i18n import pick_language, translator
from ecoaudit.web.routing import NAV, has_role
from ecoaudit.web.security import CSRF_FIELD, csrf_token
from ecoaudit.web.settings import WebSettings


@dataclass(frozen=True)
class User:
    """The user of a request: their name and role (viewer, operator or admin)."""

    name: str
    role: str


class NotLoggedIn(RuntimeError):
    """`user_of` was called on a request without a logged-in user (a bug: the app checks)."""


class StoreHolder:
    """The application's one Store, opened on first use; a failed opening is tried again at
    the next request (the database may come back), and raises DatabaseUnavailable meanwhile."""

    def __init__(self, url: str | None) -> None:
        self.url = url
        self._store: Store | None = None
        self._lock = threading.Lock()

    def get(self) -> Store:
        with self._lock:
            if self._store is None:
                self._store = Store.open(self.url)
            return self._store

    def close(self) -> None:
        with self._lock:
            if self._store is not None:
                self._store.close()
                self._store = None


def settings_of(request: Request) -> WebSettings:
    """The settings the server was started with."""
    settings: WebSettings = request.app.state.settings
    return settings


def store_of(request: Request) -> Store:
    """The application's Store (DatabaseUnavailable becomes a 503 page)."""
    holder: StoreHolder = request.app.state.store
    return holder.get()


def user_of(request: Request) -> User:
    """The logged-in user of the request."""
    user = getattr(request.state, "user", None)
    if user is None:
        raise NotLoggedIn("no user is logged in on this request")
    return user


def current_user(request: Request) -> User | None:
    """The logged-in user, or None (the login and error pages)."""
    return getattr(request.state, "user", None)


def can(request: Request, role: str) -> bool:
    """Whether the request's user holds at least `role`."""
    user = current_user(request)
    return user is not None and has_role(user.role, role)


async def form_of(request: Request) -> FormData:
    """The POSTed form (already read, and its CSRF token checked, by the application)."""
    return await request.form()


def session_of(request: Request) -> dict[str, Any]:
    """The request's session; an empty one outside the session middleware (a 500 page)."""
    if "session" not in request.scope:
        return {}
    session: dict[str, Any] = request.session
    return session


def language_of(request: Request) -> str:
    """The request's language: `?lang=`, else the session's choice, else French."""
    return pick_language(request.query_params.get("lang"), session_of(request).get("lang"))


def url_for(request: Request, name: str, **params: Any) -> str:
    """The path of a named route (relative to the site, so it works behind a proxy)."""
    return request.scope.get("root_path", "") + str(request.app.url_path_for(name, **params))


def home_url(request: Request) -> str:
    """The path of the home page (the dashboard)."""
    return request.scope.get("root_path", "") + "/"


def record(request: Request, action: str, target: str, detail: str = "") -> None:
    """Add a line to the audit log, in the name of the request's user."""
    user = current_user(request)
    accounts.record(store_of(request), user.name if user else "-", action, target, detail)


def _environment() -> Environment:
    env = Environment(
        # "web/base.html", "report/styles.css"; and the report's own names ("macros.html").
        loader=ChoiceLoader([PackageLoader("ecoaudit", "templates"),
                             PackageLoader("ecoaudit", "templates/report")]),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=ChainableUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["version"] = __version__
    return env


ENVIRONMENT = _environment()


def render(request: Request, template: str, *, status: int = 200,
           headers: dict[str, str] | None = None, **context: Any) -> HTMLResponse:
    """A page from `template` (which extends "web/base.html"), with what every page needs:
    `user`, `csrf_token`, `csrf_field()`, `t` (t.lang), `lang`, `can(role)`, `url_for`,
    `nav`, `request`, `path` (the current path, for the language switch), `home`."""
    lang = language_of(request)
    t = translator(lang)
    token = csrf_token(session_of(request))
    user = current_user(request)
    page = ENVIRONMENT.get_template(template).render(
        request=request, user=user, csrf_token=token,
        csrf_field=lambda: Markup('<input type="hidden" name="{}" value="{}">').format(
            CSRF_FIELD, escape(token)),
        t=t, lang=lang, can=lambda role: can(request, role),
        url_for=lambda name, **params: url_for(request, name, **params),
        nav=_nav(request, user), path=request.url.path, home=home_url(request),
        plain=lambda value: plain_value(value, t), **context)
    response = HTMLResponse(page, status_code=status, headers=headers)
    response.headers.setdefault("Cache-Control", "no-store")
    return response


def _nav(request: Request, user: User | None) -> list[dict[str, str]]:
    """The navigation entries the user may see, with their paths."""
    if user is None:
        return []
    names = {getattr(item, "name", None) for item in request.app.routes}
    return [{"label": item.label, "url": url_for(request, item.route),
             "route": item.route} for item in NAV
            if item.route in names and has_role(user.role, item.role)]
