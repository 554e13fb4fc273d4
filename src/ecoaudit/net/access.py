"""What the network layer needs to know of a site to reach it: who we are, where we may go.

`SiteAccess` is a Protocol: the configuration's SiteConfig provides it, so fetching code takes
these few settings without depending on the configuration layer.
"""

from __future__ import annotations

from typing import Protocol

from ecoaudit import __version__

ROBOTS_TOKEN = "ecoaudit"
DEFAULT_USER_AGENT = f"ecoaudit/{__version__} (+https://github.com/ecoaudit/ecoaudit)"


class SiteAccess(Protocol):
    """A site's identity, scope and credentials, as the fetchers use them."""

    user_agent: str
    allow_private_addresses: bool

    def in_scope(self, url: str) -> bool:
        """Whether the URL is on one of the site's allowed hosts (credentials go only there)."""
        ...

    def resolved_headers(self) -> dict[str, str]:
        """Extra request headers, secrets resolved."""
        ...

    def resolved_cookies(self) -> dict[str, str]:
        """Cookies, secrets resolved."""
        ...

    def resolved_basic_auth(self) -> tuple[str, str] | None:
        """(username, password) for HTTP basic auth, or None."""
        ...
