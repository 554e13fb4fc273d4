"""robots.txt: which URLs the crawler may fetch, how slowly, and which sitemaps the site lists.

Protego (Scrapy's parser) reads the file and matches URLs: groups of user-agent lines, Allow and
Disallow with `*` and `$` wildcards, the longest matching rule wins (Allow on a tie), plus the
Crawl-delay, Request-rate and Sitemap extensions. Our product token is `ecoaudit`; without a group
for it the `*` group applies. Fetching and what each answer means stay ours (RFC 9309, 2.3.1):
- 2xx: the file is parsed (at most 512 KiB of it; a larger file counts as unreachable).
- 4xx (404, 403, ...): no rules, everything is allowed.
- 5xx: the server cannot say, so nothing is allowed for this run (`disallows_everything`): a
  struggling server is the one to spare. The run ends with that reason; it is retried next time.
- Unreachable (connection refused, DNS failure, timeout): everything is allowed; the pages
  themselves will then fail with their own error if the site is really down.
Redirects are followed hop by hop (5 at most), each hop checked like any other fetch.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx
from protego import Protego

from ecoaudit.config import SiteConfig
from ecoaudit.net.access import ROBOTS_TOKEN
from ecoaudit.net.httpfetch import TooLarge, fetch
from ecoaudit.net.urls import UrlError, is_private_address, origin

log = logging.getLogger(__name__)

MAX_ROBOTS_BYTES = 512 * 1024


@dataclass
class RobotsPolicy:
    """The rules robots.txt sets for our user-agent on one origin.

    `crawl_delay` is the pause between two requests the file asks of us: its Crawl-delay, or the
    interval of its Request-rate (e.g. `1/5s` is 5 s) when that is longer, whatever the hours.
    """

    origin: str | None = None
    crawl_delay: float | None = None
    sitemaps: list[str] = field(default_factory=list)
    status: str = "parsed"  # parsed, missing, unreachable, server-error, refused, not-fetched
    reason: str = ""
    deny_all: bool = False
    token: str = ROBOTS_TOKEN
    parser: Protego | None = field(default=None, repr=False)
    allows_some_path: bool = False  # an Allow line narrower than "/" (see disallows_everything)

    @classmethod
    def allow_all(cls, origin: str | None = None, status: str = "missing", reason: str = "") -> (
        RobotsPolicy
    ):
        return cls(origin=origin, status=status, reason=reason)

    @classmethod
    def parse(cls, text: str, token: str = ROBOTS_TOKEN, origin: str | None = None) -> (
        RobotsPolicy
    ):
        """Read a robots.txt body and keep what applies to `token`."""
        token = token.lower()
        parser = Protego.parse(text)
        delay = parser.crawl_delay(token)
        rate = parser.request_rate(token)
        if rate is not None:
            delay = max(delay or 0.0, rate.seconds / rate.requests)
        return cls(
            origin=origin,
            crawl_delay=delay,
            sitemaps=list(dict.fromkeys(parser.sitemaps)),
            token=token,
            parser=parser,
            allows_some_path=any(_allows_below_root(line) for line in text.splitlines()),
        )

    def allowed(self, url: str) -> bool:
        """Whether our crawler may fetch `url` (a full URL or a path)."""
        if self.deny_all:
            return False
        return self.parser is None or self.parser.can_fetch(url, self.token)

    @property
    def disallows_everything(self) -> bool:
        """True when nothing on the origin may be fetched (e.g. `Disallow: /` alone).

        Protego does not list the rules, so an Allow line narrower than "/" in any group counts
        as a way in: at worst a blocked run then gives the general reason instead of this one.
        """
        return self.deny_all or (not self.allowed("/") and not self.allows_some_path)

    def describe(self) -> str:
        """One sentence for run logs and reports."""
        where = f"{self.origin}/robots.txt" if self.origin else "robots.txt"
        if self.deny_all:
            return f"{where}: {self.reason}"
        if self.disallows_everything:
            return f"{where} disallows every page for the user-agent {ROBOTS_TOKEN!r}."
        return f"{where}: {self.status}" + (f" ({self.reason})" if self.reason else "")


async def fetch_robots(
    client: httpx.AsyncClient,
    base_url: str,
    user_agent: str,
    site: SiteConfig | None = None,
) -> RobotsPolicy:
    """Fetch and parse robots.txt for the origin of `base_url` (see the module doc for statuses).

    Raises UrlError when the origin itself may not be contacted (a private address the site
    does not allow): then no page of it can be crawled either.
    """
    site_origin = origin(base_url)
    token = _token(user_agent)
    allow_private = (
        site.allow_private_addresses if site is not None else _literal_private(site_origin)
    )
    try:
        answer = await fetch(
            client, site_origin + "/robots.txt", site, max_bytes=MAX_ROBOTS_BYTES,
            allow_private=allow_private, total_timeout=30.0,
        )
    except UrlError:
        raise
    except TooLarge:
        return RobotsPolicy.allow_all(site_origin, "unreachable", "robots.txt is too large")
    except (httpx.HTTPError, TimeoutError, OSError) as error:
        reason = f"robots.txt could not be fetched ({type(error).__name__}: {error})"
        log.info("%s: %s; everything is allowed", site_origin, reason)
        return RobotsPolicy.allow_all(site_origin, "unreachable", reason)
    if 200 <= answer.status < 300:
        text = answer.body.decode("utf-8", errors="replace")
        return RobotsPolicy.parse(text, token, site_origin)
    if 500 <= answer.status < 600:
        return RobotsPolicy(
            origin=site_origin, status="server-error", deny_all=True,
            reason=f"robots.txt answered HTTP {answer.status}; nothing is crawled until it "
            "answers again.",
        )
    return RobotsPolicy.allow_all(site_origin, "missing", f"robots.txt answered {answer.status}")


def _token(user_agent: str) -> str:
    lowered = (user_agent or "").lower()
    if ROBOTS_TOKEN in lowered or not lowered.strip():
        return ROBOTS_TOKEN
    return lowered.split()[0].split("/")[0]


def _literal_private(site_origin: str) -> bool:
    host = (urlsplit(site_origin).hostname or "").strip("[]")
    if host == "localhost":
        return True
    try:
        return is_private_address(host)
    except ValueError:
        return False


def _allows_below_root(line: str) -> bool:
    key, _, value = line.split("#", 1)[0].partition(":")
    return key.strip().lower() == "allow" and value.strip() not in ("", "/")
