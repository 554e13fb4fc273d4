"""First party or third party: which hosts belong to the audited site.

The first party is the registrable domain (eTLD+1, from the public suffix list bundled with the
`publicsuffixlist` package, so it works offline) of each configured host, plus the configured
hosts themselves (e.g. a city CDN on another domain). IP addresses and single-label hosts such as
`localhost` are their own registrable domain.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from urllib.parse import urlsplit

from publicsuffixlist import PublicSuffixList

_SUFFIXES = PublicSuffixList()
_LOCAL_SCHEMES = frozenset({"data", "blob", "about", "javascript", "chrome-extension"})


@lru_cache(maxsize=65536)
def host_of(url_or_host: str) -> str:
    """Lower-case host of a URL (or of a bare host name), without port or trailing dot."""
    text = url_or_host.strip()
    if "://" not in text and (text.count(":") >= 2 or text.startswith("[")):
        try:
            return str(ipaddress.ip_address(text.strip("[]")))  # bare IPv6 address
        except ValueError:
            pass
    if "://" not in text:
        text = "//" + text
    host = urlsplit(text).hostname or ""
    return host.rstrip(".").lower()


@lru_cache(maxsize=4096)
def registrable_domain(host: str) -> str:
    """The registrable domain (eTLD+1) of a host: `www.metz.fr` -> `metz.fr`."""
    host = host_of(host)
    if "." not in host or ":" in host or host.replace(".", "").isdigit():
        return host  # empty, single label, IPv6 or IPv4 address
    return _SUFFIXES.privatesuffix(host) or host


def first_party_domains(first_party_hosts: list[str]) -> frozenset[str]:
    """Hosts and registrable domains that count as first party."""
    return _first_party_domains(tuple(first_party_hosts))


@lru_cache(maxsize=256)
def _first_party_domains(first_party_hosts: tuple[str, ...]) -> frozenset[str]:
    domains: set[str] = set()
    for entry in first_party_hosts:
        host = host_of(entry)
        if host:
            domains.add(host)
            domains.add(registrable_domain(host))
    return frozenset(domains)


def is_third_party(url: str, first_party_hosts: list[str]) -> bool:
    """True when the URL's host is neither a first-party host nor under a first-party domain.

    Inline URLs (data:, blob:, about:) are never third party.
    """
    scheme = url.split(":", 1)[0].lower() if ":" in url else ""
    if scheme in _LOCAL_SCHEMES:
        return False
    host = host_of(url)
    if not host:
        return False
    domains = _first_party_domains(tuple(first_party_hosts))
    return host not in domains and registrable_domain(host) not in domains
