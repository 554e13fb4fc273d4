"""URLs: normalisation for deduplication, host keys for scope, and safety checks (SSRF).

`normalise` gives the one spelling of a URL the crawl remembers: fragment dropped, scheme and host
lower-cased, default port removed, dot segments resolved, query kept in its order minus the
ignored parameters (tracking and session identifiers).
"""

from __future__ import annotations

import asyncio
import fnmatch
import ipaddress
import re
import socket
from collections.abc import Iterable, Sequence
from urllib.parse import quote, unquote, urlsplit, urlunsplit

from ecoaudit.errors import EcoauditError

ALLOWED_SCHEMES = ("http", "https")
DEFAULT_PORTS = {"http": 80, "https": 443}

# Parameters that change the URL but not the page, removed before URLs are compared (sites.toml's
# `ignored_query_parameters` replaces the whole list):
# - campaign tracking and session identifiers;
# - WordPress's `replytocom`: every "Reply" link of a comment adds one (`?replytocom=123`) to the
#   post it sits on, a copy of the post per comment, and the classic crawler trap of that CMS;
# - print variants (`print=1`, MediaWiki's `printable=yes`): the same text in a print layout;
# - sort orders (WooCommerce's `orderby`, WordPress's `order`, `sort`...): the same items in
#   another order, a copy of the listing per order and per direction.
# Left out on purpose, since they lead to other content: pagination (`page`, `paged`), filters
# (`cat`, `tag`), searches (`s`, `q`) and WordPress's ids (`p`, `page_id`: a `?p=12` shortlink is
# recognised by its canonical link instead, crawl/dedup.py). `tmpl` (Joomla's `tmpl=component`,
# a page without its template) is left out too: it also serves modals and forms.
DEFAULT_IGNORED_PARAMETERS: tuple[str, ...] = (
    "utm_*", "fbclid", "gclid", "dclid", "msclkid", "mc_cid", "mc_eid", "_ga", "_gl",
    "jsessionid", "phpsessid", "sid", "sessionid", "session_id", "aspsessionid*", "cfid",
    "cftoken",
    "replytocom",
    "print", "printable",
    "orderby", "order_by", "order", "sort", "sortby", "sort_by",
)

PRIVATE_NETWORKS = tuple(
    ipaddress.ip_network(network)
    for network in (
        "0.0.0.0/8", "127.0.0.0/8", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16",
        "169.254.0.0/16", "::/128", "::1/128", "fc00::/7", "fe80::/10",
    )
)

# Characters left as they are when re-quoting a path or a query ('%' keeps existing escapes).
_SAFE_PATH = "/%:@!$&'()*+,;=-._~"
_SAFE_QUERY = _SAFE_PATH + "?"
_ESCAPE = re.compile(r"%[0-9a-fA-F]{2}")


class UrlError(EcoauditError):
    """A URL that cannot or must not be fetched (bad scheme, private address, unresolvable)."""


def check_scheme(url: str) -> str:
    """Return `url` when it is http or https; raise UrlError naming the scheme otherwise (or
    saying that the URL cannot be read, e.g. an unclosed IPv6 bracket)."""
    try:
        scheme = urlsplit(url.strip()).scheme.lower()
    except ValueError as error:
        raise UrlError(f"{_shorten(url)!r} is not a valid URL ({error}).") from None
    if scheme in ALLOWED_SCHEMES:
        return url
    if not scheme:
        raise UrlError(f"{url!r} is not an absolute URL: write it with http:// or https://.")
    raise UrlError(
        f"{_shorten(url)!r} uses the {scheme}: scheme; only http and https URLs can be audited."
    )


def is_ignored_parameter(name: str, ignored_parameters: Iterable[str]) -> bool:
    """Whether a query parameter name matches one of the (case-insensitive) glob patterns."""
    lowered = name.lower()
    return any(fnmatch.fnmatchcase(lowered, pattern.lower()) for pattern in ignored_parameters)


def normalise(url: str, ignored_parameters: Sequence[str] = DEFAULT_IGNORED_PARAMETERS) -> str:
    """The canonical spelling of an absolute http(s) URL; raise UrlError when it has none."""
    check_scheme(url)
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as error:
        raise UrlError(f"{_shorten(url)!r} is not a valid URL ({error}).") from None
    scheme = parts.scheme.lower()
    host = _normal_host(parts.hostname or "")
    if not host:
        raise UrlError(f"{_shorten(url)!r} has no host name.")
    netloc = host if port in (None, DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    path = _normal_path(parts.path, ignored_parameters)
    query = _normal_query(parts.query, ignored_parameters)
    return urlunsplit((scheme, netloc, path, query, ""))


def host_key(url: str) -> str:
    """The host of a URL as scope compares it: lower-case, with its port unless the default."""
    return urlsplit(normalise(url, ())).netloc


def politeness_key(host_or_url: str) -> str:
    """host[:port] of a URL, an origin or a bare host: what the crawl's politeness counts by.

    A URL whose host cannot be read (data:, a malformed URL) is its own key.
    """
    if "://" not in host_or_url:
        return host_or_url.lower()
    try:
        return host_key(host_or_url)
    except UrlError:
        return urlsplit(host_or_url).netloc.lower() or host_or_url


def origin(url: str) -> str:
    """scheme://host[:port] of a URL, normalised (where robots.txt and /sitemap.xml live)."""
    parts = urlsplit(normalise(url, ()))
    return f"{parts.scheme}://{parts.netloc}"


def is_private_address(ip: str | ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Whether an IP address is loopback, private, link-local or unspecified (IPv4-mapped too)."""
    address = ipaddress.ip_address(ip) if isinstance(ip, str) else ip
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return any(address in network for network in PRIVATE_NETWORKS if
               network.version == address.version)


def private_peer_address(peer: str | None) -> str | None:
    """The address a connection really reached ("127.0.0.1", "[::1]", "fe80::1%eth0"), when it
    is private; None for a public, empty or unreadable one. For the check made after connecting
    (a DNS answer can change between our lookup and the client's own: DNS rebinding)."""
    address = (peer or "").strip("[]").split("%")[0]
    try:
        return address if address and is_private_address(address) else None
    except ValueError:
        return None


def resolve_and_check(host: str, allow_private: bool) -> list[str]:
    """Resolve `host`; return its addresses, or raise UrlError when it fails or is private.

    Private answers (loopback, LAN, link-local) are refused unless `allow_private`: a crawled page
    must not steer the crawler to the machine it runs on or to the internal network.
    """
    host = _strip_brackets(host)
    literal = _ip_or_none(host)
    if literal is not None:
        addresses = [str(literal)]
    else:
        try:
            answers = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
        except (socket.gaierror, UnicodeError) as error:
            raise UrlError(f"The host {host!r} cannot be resolved ({error}).") from None
        addresses = sorted({str(answer[4][0]) for answer in answers})
    return _checked(host, addresses, allow_private)


async def resolve_and_check_async(host: str, allow_private: bool) -> list[str]:
    """`resolve_and_check` without blocking the event loop."""
    host = _strip_brackets(host)
    literal = _ip_or_none(host)
    if literal is not None:
        return _checked(host, [str(literal)], allow_private)
    loop = asyncio.get_running_loop()
    try:
        answers = await loop.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as error:
        raise UrlError(f"The host {host!r} cannot be resolved ({error}).") from None
    return _checked(host, sorted({str(answer[4][0]) for answer in answers}), allow_private)


def _checked(host: str, addresses: list[str], allow_private: bool) -> list[str]:
    if not allow_private:
        private = [address for address in addresses if is_private_address(address.split("%")[0])]
        if private:
            raise UrlError(
                f"The host {host!r} resolves to the private address {private[0]}; set "
                "allow_private_addresses = true for this site if it really is a local or "
                "staging site."
            )
    return addresses


def _normal_host(host: str) -> str:
    host = host.lower().rstrip(".")
    address = _ip_or_none(host)
    if address is not None:
        return f"[{address}]" if address.version == 6 else str(address)
    if host.isascii():
        return host
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return host


def _normal_path(path: str, ignored_parameters: Sequence[str]) -> str:
    segments = _remove_dot_segments(path or "/").split("/")
    cleaned = []
    for segment in segments:
        # Matrix parameters such as ";jsessionid=..." are session ids in the path.
        name, *parameters = segment.split(";")
        kept = [
            parameter
            for parameter in parameters
            if not is_ignored_parameter(parameter.split("=")[0], ignored_parameters)
        ]
        cleaned.append(";".join([name, *kept]))
    return _upper_escapes(quote("/".join(cleaned), safe=_SAFE_PATH))


def _normal_query(query: str, ignored_parameters: Sequence[str]) -> str:
    if not query:
        return ""
    kept = [
        pair
        for pair in query.split("&")
        if pair and not is_ignored_parameter(unquote(pair.split("=")[0]), ignored_parameters)
    ]
    return _upper_escapes(quote("&".join(kept), safe=_SAFE_QUERY))


def _upper_escapes(text: str) -> str:
    """%c3 and %C3 are the same byte: write escapes in upper case (RFC 3986 section 6.2.2.1)."""
    return _ESCAPE.sub(lambda match: match.group(0).upper(), text)


def _remove_dot_segments(path: str) -> str:
    """RFC 3986 section 5.2.4, on whole segments."""
    if "." not in path:
        return path
    output: list[str] = []
    segments = path.split("/")
    for index, segment in enumerate(segments):
        last = index == len(segments) - 1
        if segment == ".":
            if last:
                output.append("")
        elif segment == "..":
            if len(output) > 1:
                output.pop()
            if last:
                output.append("")
        else:
            output.append(segment)
    result = "/".join(output)
    return result if result.startswith("/") else "/" + result


def _ip_or_none(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(_strip_brackets(host))
    except ValueError:
        return None


def _strip_brackets(host: str) -> str:
    return host[1:-1] if host.startswith("[") and host.endswith("]") else host


def _shorten(url: str, limit: int = 80) -> str:
    return url if len(url) <= limit else url[: limit - 1] + "…"
