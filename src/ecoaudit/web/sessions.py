"""Who a request comes from: the session cookie, or the reverse proxy's header when trusted;
logging in and out.

The session (a cookie signed with the server's secret) holds the user's name, when they logged
in (`auth_at`), the CSRF token and the language. A session ends when the account is removed or
its password changed after `auth_at`.
"""

from __future__ import annotations

import time

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from ecoaudit.web import accounts
from ecoaudit.web.context import User, language_of, settings_of, store_of
from ecoaudit.web.i18n import translator


async def identify(request: Request) -> tuple[User | None, str | None]:
    """The request's user, and the sentence refusing it when the trusted header names nobody.

    With `trust_header`, the header set by the reverse proxy names the user (who must have an
    account); without the header, or without the option, the session does."""
    header = settings_of(request).trust_header
    if header and request.headers.get(header):
        name = request.headers[header].strip()
        account = await run_in_threadpool(_find, request, name)
        if account is None:
            return None, translator(language_of(request))("error_unknown_proxy_user", name=name)
        return User(account.name, account.role), None
    kept = request.session.get("user")
    if not isinstance(kept, str):
        return None, None
    account = await run_in_threadpool(_find, request, kept)
    logged_in_at = request.session.get("auth_at")
    if account is None or not isinstance(logged_in_at, int | float) or (
            account.password_changed_at.timestamp() > logged_in_at):
        # The account was removed, or its password changed since: the session ends.
        for key in ("user", "auth_at"):
            request.session.pop(key, None)
        return None, None
    return User(account.name, account.role), None


def _find(request: Request, name: str) -> accounts.Account | None:
    return accounts.find_user(store_of(request), name)


def log_in(request: Request, name: str) -> None:
    """Start a fresh session for `name` (a new CSRF token; the language is kept)."""
    lang = language_of(request)
    request.session.clear()
    request.session.update({"user": name, "auth_at": time.time(), "lang": lang})


def log_out(request: Request) -> None:
    """End the session (only the language is kept)."""
    lang = language_of(request)
    request.session.clear()
    request.session["lang"] = lang


