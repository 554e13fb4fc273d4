"""The routes of the web interface, each with the role it needs.

    from ecoaudit.web.routing import route

    @route("/runs/{run_id:int}", name="run")            # viewer by default
    async def run_page(request: Request) -> Response: ...

    @route("/audit", role="operator", methods=("POST",))
    async def launch_audit(request: Request) -> Response: ...

The application (`web.app`) wraps every endpoint: an anonymous request is redirected to the
login page, a user without the role gets a 403 page, and a POST without a valid CSRF token gets
a 403 page, all before the view runs. `PUBLIC` routes (the login page) skip the login check only.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response

ROLES = ("viewer", "operator", "admin")  # each role can do what the ones before it can
PUBLIC = "public"  # a route anyone may reach (the login page); not a role a user holds

View = Callable[[Request], Awaitable[Response]]


@dataclass(frozen=True)
class WebRoute:
    """One registered view: its path, methods, the role it needs and its name for url_for."""

    path: str
    endpoint: View
    methods: tuple[str, ...]
    role: str
    name: str


@dataclass(frozen=True)
class NavItem:
    """An entry of the navigation bar: a message key, a route name, the role that sees it."""

    label: str
    route: str
    role: str = "viewer"


ROUTES: list[WebRoute] = []
NAV: list[NavItem] = []


def route(path: str, *, role: str = "viewer", methods: tuple[str, ...] = ("GET",),
          name: str | None = None) -> Callable[[View], View]:
    """Register the decorated view under `path` for `methods`, reachable with `role` or above."""
    if role not in (*ROLES, PUBLIC):
        raise ValueError(f"unknown role {role!r}: use one of {', '.join(ROLES)} or PUBLIC")
    methods = tuple(method.upper() for method in methods)

    def register(view: View) -> View:
        ROUTES.append(WebRoute(path, view, methods, role, name or view.__name__))
        return view

    return register


# The navigation's order, whatever order the view modules are imported in.
NAV_ORDER = ("dashboard", "read_compare", "act_jobs", "admin_audit_log")


def nav_item(label: str, route_name: str, role: str = "viewer") -> None:
    """Add an entry to the navigation bar (once; shown to users with `role` or above), in
    NAV_ORDER's order (entries it does not name come last)."""
    item = NavItem(label, route_name, role)
    if item not in NAV:
        NAV.append(item)
        NAV.sort(key=lambda entry: NAV_ORDER.index(entry.route) if entry.route in NAV_ORDER
                 else len(NAV_ORDER))


def role_rank(role: str) -> int:
    """The rank of a role (viewer 0, operator 1, admin 2); -1 for anything else."""
    return ROLES.index(role) if role in ROLES else -1


def has_role(user_role: str, needed: str) -> bool:
    """Whether a user holding `user_role` may do what `needed` allows."""
    if needed == PUBLIC:
        return True
    return role_rank(user_role) >= role_rank(needed) >= 0
