"""The web interface's defences: CSRF tokens, the login rate limit, the trusted proxy header
and the guard on URLs typed into forms.

- CSRF: one random token per session, put in every form (`csrf_field()`), compared in
  constant time with what a POST sends; the application refuses a POST without it (403).
- Rate limit: after `MAX_FAILURES` failed logins within `WINDOW` for one name or from one
  address, each further attempt is refused until a delay has passed since the latest failure;
  the delay doubles with every failure beyond the limit (30 s, 1 min, 2 min, ... up to
  `MAX_DELAY`). The failures are rows of `login_attempts`, so every server process shares them.
- URLs: `check_form_url` applies the checks of sites.toml's start URLs (http or https, a
  normal spelling, a host that resolves to public addresses unless private ones are allowed).
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import MutableMapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from ecoaudit.errors import EcoauditError
from ecoaudit.net.urls import (
    UrlError,
    check_scheme,
    is_private_address,
    normalise,
    resolve_and_check,
)
from ecoaudit.store import Store
from ecoaudit.store.models import utc_now
from ecoaudit.web import accounts

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
MAX_FAILURES = 5
WINDOW = timedelta(minutes=15)
FIRST_DELAY = timedelta(seconds=30)
MAX_DELAY = timedelta(minutes=15)


class FormUrlError(EcoauditError):
    """A URL typed into a form that cannot be audited (one sentence)."""


# -- CSRF --------------------------------------------------------------------------------------


def csrf_token(session: MutableMapping[str, Any]) -> str:
    """The session's CSRF token, created on first use."""
    token = session.get("csrf")
    if not isinstance(token, str) or len(token) < 32:
        token = secrets.token_urlsafe(32)
        session["csrf"] = token
    return token


def csrf_valid(session: MutableMapping[str, Any], sent: object) -> bool:
    """Whether `sent` is the session's token (constant-time comparison)."""
    expected = session.get("csrf")
    if not isinstance(expected, str) or not isinstance(sent, str) or not sent:
        return False
    return hmac.compare_digest(expected.encode("utf-8"), sent.encode("utf-8"))


# -- the login rate limit ---------------------------------------------------------------------


@dataclass(frozen=True)
class Throttle:
    """Whether a login attempt may proceed now, and if not, for how many seconds it may not."""

    allowed: bool
    wait_seconds: int = 0


def delay_after(failures: int) -> timedelta:
    """How long to wait after the latest failure, given the failures within the window."""
    if failures < MAX_FAILURES:
        return timedelta(0)
    return min(FIRST_DELAY * (2 ** (failures - MAX_FAILURES)), MAX_DELAY)


def login_throttle(store: Store, name: str, address: str,
                   now: datetime | None = None) -> Throttle:
    """Whether `name` may try to log in from `address` now."""
    failures, latest = accounts.recent_failures(store, name, address, WINDOW)
    if latest is None or failures < MAX_FAILURES:
        return Throttle(True)
    remaining = latest + delay_after(failures) - (now or utc_now())
    if remaining <= timedelta(0):
        return Throttle(True)
    return Throttle(False, max(1, int(remaining.total_seconds() + 0.999)))


# -- URLs typed into forms ----------------------------------------------------------------------


def check_form_url(url: str, allow_private: bool) -> str:
    """The normalised URL, when it could be a start URL of sites.toml: http or https, a host,
    and (unless `allow_private`) a host whose every address is public. Raises FormUrlError
    with one sentence otherwise."""
    url = url.strip()
    if not url:
        raise FormUrlError("The URL is empty: type an address starting with https://.")
    try:
        normal = normalise(check_scheme(url), ())
        host = urlsplit(normal).hostname or ""
        addresses = resolve_and_check(host, True)
    except UrlError as error:
        raise FormUrlError(str(error)) from None
    private = [address for address in addresses if is_private_address(address.split("%")[0])]
    if private and not allow_private:
        raise FormUrlError(
            f"The host {host!r} resolves to the private address {private[0]}: only public "
            "addresses can be audited from the web interface (unless the server is started "
            "with --allow-private-urls)."
        )
    return normal
