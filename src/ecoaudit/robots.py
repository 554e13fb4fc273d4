"""robots.txt: which URLs the crawler may fetch, how slowly, and which sitemaps the site lists.

Our own parser of the Robots Exclusion Protocol (RFC 9309): groups of user-agent lines, Allow and
Disallow with `*` and `$` wildcards, the longest matching rule wins (Allow on a tie), plus the
Crawl-delay and Sitemap extensions. Our product token is `ecoaudit`; without a group for it the
`*` group applies.

What an answer means (RFC 9309, section 2.3.1):
- 2xx: the file is parsed (at most 512 KiB of it).
- 4xx (404, 403, ...): no rules, everything is allowed.
- 5xx: the server cannot say, so nothing is allowed for this run (`disallows_everything`): a
  struggling server is the one to spare. The run ends with that reason; it is retried next time.
- Unreachable (connection refused, DNS failure, timeout): everything is allowed; the pages
  themselves will then fail with their own error if the site is really down.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

import httpx

from ecoaudit.config import ROBOTS_TOKEN, SiteConfig
from ecoaudit.httpfetch import TooLarge, fetch
from ecoaudit.urls import UrlError, is_private_address, origin

log = logging.getLogger(__name__)

MAX_ROBOTS_BYTES = 512 * 1024


@dataclass(frozen=True)
class RobotsRule:
    """One Allow or Disallow line of the group that applies to us."""

    allow: bool
    pattern: str

    def matches(self, path: str) -> bool:
        return _compile(self.pattern).match(path) is not None

    @property
    def weight(self) -> int:
        return len(self.pattern)


@dataclass
class RobotsPolicy:
    """The rules robots.txt sets for our user-agent on one origin."""

    origin: str | None = None
    rules: list[RobotsRule] = field(default_factory=list)
    crawl_delay: float | None = None
    sitemaps: list[str] = field(default_factory=list)
    status: str = "parsed"  # parsed, missing, unreachable, server-error, not-fetched
    reason: str = ""
    deny_all: bool = False

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
        return _parse(text, token.lower(), origin)

    def allowed(self, url: str) -> bool:
        """Whether our crawler may fetch `url` (a full URL or a path)."""
        if self.deny_all:
            return False
        path = _path_of(url)
        if path == "/robots.txt":
            return True
        best: RobotsRule | None = None
        for rule in self.rules:
            if rule.matches(path) and (
                best is None
                or rule.weight > best.weight
                or (rule.weight == best.weight and rule.allow)
            ):
                best = rule
        return best is None or best.allow

    @property
    def disallows_everything(self) -> bool:
        """True when nothing on the origin may be fetched (e.g. `Disallow: /` alone)."""
        if self.deny_all:
            return True
        return not self.allowed("/") and not any(
            rule.allow and rule.pattern not in ("", "/") for rule in self.rules
        )

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


def _parse(text: str, token: str, site_origin: str | None) -> RobotsPolicy:
    groups: list[tuple[list[str], list[RobotsRule], list[float]]] = []
    sitemaps: list[str] = []
    agents: list[str] = []
    rules: list[RobotsRule] = []
    delays: list[float] = []
    in_rules = False
    for raw_line in text.splitlines():
        line = raw_line.split("#", 1)[0].strip()
        if ":" not in line:
            continue
        key, value = (part.strip() for part in line.split(":", 1))
        key = key.lower()
        if key == "sitemap":
            if value:
                sitemaps.append(value)
        elif key in ("user-agent", "useragent"):
            if in_rules:
                groups.append((agents, rules, delays))
                agents, rules, delays, in_rules = [], [], [], False
            agents.append(value.lower())
        elif key in ("allow", "disallow") and agents:
            in_rules = True
            if value or key == "allow":
                rules.append(RobotsRule(allow=key == "allow", pattern=value))
        elif key == "crawl-delay" and agents:
            in_rules = True
            delay = _number(value)
            if delay is not None:
                delays.append(delay)
    if agents:
        groups.append((agents, rules, delays))
    chosen = [group for group in groups if any(_agent_matches(a, token) for a in group[0])]
    if not chosen:
        chosen = [group for group in groups if "*" in group[0]]
    chosen_rules = [rule for group in chosen for rule in group[1] if rule.pattern]
    chosen_delays = [delay for group in chosen for delay in group[2]]
    return RobotsPolicy(
        origin=site_origin,
        rules=chosen_rules,
        crawl_delay=max(chosen_delays) if chosen_delays else None,
        sitemaps=list(dict.fromkeys(sitemaps)),
    )


def _agent_matches(agent: str, token: str) -> bool:
    return agent == token or agent.split("/")[0].strip() == token


def _token(user_agent: str) -> str:
    lowered = (user_agent or "").lower()
    if ROBOTS_TOKEN in lowered or not lowered.strip():
        return ROBOTS_TOKEN
    return lowered.split()[0].split("/")[0]


def _number(value: str) -> float | None:
    try:
        number = float(value)
    except ValueError:
        return None
    return number if number >= 0 else None


def _path_of(url: str) -> str:
    parts = urlsplit(url)
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return unquote(path)


_COMPILED: dict[str, re.Pattern[str]] = {}


def _compile(pattern: str) -> re.Pattern[str]:
    compiled = _COMPILED.get(pattern)
    if compiled is None:
        anchored = pattern.endswith("$")
        body = unquote(pattern[:-1] if anchored else pattern)
        regex = ".*".join(re.escape(piece) for piece in body.split("*"))
        compiled = re.compile(regex + ("$" if anchored else ""), re.DOTALL)
        _COMPILED[pattern] = compiled
    return compiled


def _literal_private(site_origin: str) -> bool:
    host = (urlsplit(site_origin).hostname or "").strip("[]")
    if host == "localhost":
        return True
    try:
        return is_private_address(host)
    except ValueError:
        return False
