"""Error pages: what is wrong in one sentence, never a stack trace.

403 (role, CSRF), 404, 405, 429 (too many login attempts), 500 (a bug: logged on the server
with its trace, the page says only that it happened), 503 (the database cannot be reached).
"""

from __future__ import annotations

import logging

from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from ecoaudit.store import StoreError
from ecoaudit.store.failures import translate
from ecoaudit.web.context import language_of, render
from ecoaudit.web.i18n import translator

log = logging.getLogger(__name__)

TITLES = {400: "error_400", 403: "error_403", 404: "error_404", 405: "error_405",
          429: "error_429", 500: "error_500", 503: "error_503"}


def error_page(request: Request, status: int, message: str,
               headers: dict[str, str] | None = None) -> Response:
    """The error page: a title for the status and `message` (already in the user's language,
    or an error's own sentence)."""
    title = translator(language_of(request))(TITLES.get(status, "error_500"))
    try:
        return render(request, "web/error.html", status=status, headers=headers,
                      title=title, message=message, status_code=status)
    except Exception:  # the page itself failed: say it plainly rather than show a trace
        log.exception("the error page could not be rendered")
        return PlainTextResponse(f"{status} {title}: {message}", status_code=status,
                                 headers=headers)


def message(request: Request, key: str, **values: object) -> str:
    """The message `key` in the request's language."""
    return translator(language_of(request))(key, **values)


async def http_error(request: Request, error: Exception) -> Response:
    """A 404, 405 or other HTTP error raised by routing or a view, as the error page."""
    assert isinstance(error, HTTPException)
    key = {404: "error_404_text", 405: "error_405_text"}.get(error.status_code)
    text = message(request, key) if key else str(error.detail)
    return error_page(request, error.status_code, text,
                      headers=dict(error.headers) if error.headers else None)


async def store_error(request: Request, error: Exception) -> Response:
    """The database cannot be opened, is damaged, full, read-only...: its one sentence."""
    log.warning("database unavailable: %s", error)
    return error_page(request, 503, str(error), headers={"Retry-After": "30"})


async def database_error(request: Request, error: Exception) -> Response:
    """A database failure met inside a view (the server went away, a lock, ...)."""
    assert isinstance(error, DBAPIError)
    url = request.app.state.store.url
    storage: StoreError | None = translate(error, url)
    if storage is None:
        log.error("database error", exc_info=error)
        return error_page(request, 503, message(request, "error_503_text"),
                          headers={"Retry-After": "30"})
    return await store_error(request, storage)


async def ecoaudit_error(request: Request, error: Exception) -> Response:
    """A problem ecoaudit explains in one sentence (a malformed sites.toml, ...): that
    sentence, on the 500 page, without a trace."""
    log.warning("%s %s: %s", request.method, request.url.path, error)
    return error_page(request, 500, str(error))


async def server_error(request: Request, error: Exception) -> Response:
    """Any unexpected error: logged here with its trace, a plain page for the user."""
    log.error("unexpected error on %s %s", request.method, request.url.path, exc_info=error)
    return error_page(request, 500, message(request, "error_500_text"))

