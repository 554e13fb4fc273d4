"""Small, guarded HTTP fetches (robots.txt, sitemaps, documents) through httpx.AsyncClient.

Every hop of a redirect chain is checked (http/https only; no private address unless the site
allows it), the site's headers, cookies and basic auth are sent only to the site's own hosts,
bodies are read up to a byte cap, and the whole fetch is bounded in time.
"""

from __future__ import annotations

import asyncio
import urllib.request
import zlib
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import httpx

from ecoaudit.errors import EcoauditError
from ecoaudit.net.access import DEFAULT_USER_AGENT, SiteAccess
from ecoaudit.net.urls import UrlError, check_scheme, private_peer_address, resolve_and_check_async

REDIRECT_STATUSES = (301, 302, 303, 307, 308)
DEFAULT_TIMEOUT = 20.0


class TooLarge(EcoauditError):
    """A body (or its decompressed form) is larger than the cap set for it."""


@dataclass
class Fetched:
    """The answer to a guarded fetch. `body` is empty when the body was not read."""

    url: str
    final_url: str
    status: int
    headers: httpx.Headers
    body: bytes = b""
    body_bytes: int = 0  # bytes read from the wire (before content decoding)
    truncated: bool = False  # the cap was reached and reading stopped
    redirects: list[str] = field(default_factory=list)

    @property
    def content_type(self) -> str | None:
        value = self.headers.get("content-type")
        return value.split(";")[0].strip().lower() if value else None


def site_client(
    site: SiteAccess | None = None, timeout: float = DEFAULT_TIMEOUT
) -> httpx.AsyncClient:
    """An AsyncClient with our User-Agent; credentials are added per request by `fetch`."""
    user_agent = site.user_agent if site is not None else DEFAULT_USER_AGENT
    return httpx.AsyncClient(
        headers={"User-Agent": user_agent},
        timeout=httpx.Timeout(timeout),
        follow_redirects=False,
    )


async def fetch(
    client: httpx.AsyncClient,
    url: str,
    site: SiteAccess | None,
    *,
    method: str = "GET",
    max_bytes: int = 10_000_000,
    read_body: bool = True,
    keep_body: bool = True,
    decode: bool = True,
    max_redirects: int = 5,
    total_timeout: float = 60.0,
    allow_private: bool | None = None,
    skip_body_with_length: bool = False,
) -> Fetched:
    """Fetch `url` following redirects hop by hop, each hop checked; read at most `max_bytes`.

    With `keep_body=False` the body is only counted; with `skip_body_with_length` it is not
    even read when the answer declares its Content-Length (and no Content-Encoding). With
    `decode`, a gzip or deflate Content-Encoding is undone here, with the same cap on the
    decoded size (no gzip bombs).
    Raises UrlError for a refused hop, httpx.HTTPError for network errors, TimeoutError.
    """
    if allow_private is None:
        allow_private = site.allow_private_addresses if site is not None else False
    async with asyncio.timeout(total_timeout):
        redirects: list[str] = []
        current = url
        for _ in range(max_redirects + 1):
            check_scheme(current)
            await resolve_and_check_async(urlsplit(current).hostname or "", allow_private)
            headers, auth = _credentials(site, current, decode)
            request = client.build_request(method, current, headers=headers)
            response = await client.send(request, stream=True, auth=auth)
            try:
                peer = None if allow_private else private_peer(response)
                if peer:
                    raise UrlError(f"{urlsplit(current).hostname} was reached at the private "
                                   f"address {peer}, not at the public one checked just before "
                                   "(its DNS answer changed): refused, nothing read.")
                location = response.headers.get("location")
                if response.status_code in REDIRECT_STATUSES and location:
                    redirects.append(current)
                    current = urljoin(current, location)
                    if response.status_code == 303:
                        method = "GET"
                    continue
                fetched = Fetched(url, current, response.status_code, response.headers,
                                  redirects=redirects)
                declared = "content-length" in response.headers and (
                    response.headers.get("content-encoding", "identity") == "identity"
                )
                if read_body and method != "HEAD" and not (skip_body_with_length and declared):
                    await _read(response, fetched, max_bytes, keep_body, decode)
                return fetched
            finally:
                await response.aclose()
        raise httpx.TooManyRedirects(f"More than {max_redirects} redirects from {url}.")


def private_peer(response: httpx.Response) -> str | None:
    """The private address the answer really came from, when the connection went to one.

    The host was checked before the request, but a DNS answer can change between that check
    and httpx's own lookup (DNS rebinding); this reads the connected peer. Through a proxy the
    peer is the proxy, which is not checked.
    """
    url = response.request.url
    if url.scheme in urllib.request.getproxies() and not urllib.request.proxy_bypass(url.host):
        return None
    stream = response.extensions.get("network_stream")
    peer = stream.get_extra_info("server_addr") if stream is not None else None
    return private_peer_address(str(peer[0]) if peer else None)


def gunzip_capped(data: bytes, max_bytes: int, wbits: int = 16 + zlib.MAX_WBITS) -> bytes:
    """Decompress gzip (or zlib/deflate with other `wbits`) data; TooLarge beyond `max_bytes`."""
    decompressor = zlib.decompressobj(wbits)
    try:
        output = decompressor.decompress(data, max_bytes + 1)
    except zlib.error as error:
        raise TooLarge(f"The compressed body is corrupt ({error}).") from None
    if len(output) > max_bytes or decompressor.unconsumed_tail:
        raise TooLarge(f"The body is larger than {max_bytes} bytes once decompressed.")
    return output


async def _read(
    response: httpx.Response, fetched: Fetched, max_bytes: int, keep_body: bool, decode: bool
) -> None:
    chunks: list[bytes] = []
    async for chunk in response.aiter_raw():
        fetched.body_bytes += len(chunk)
        if keep_body:
            chunks.append(chunk)
        if fetched.body_bytes > max_bytes:
            fetched.truncated = True
            break
    if not keep_body:
        return
    body = b"".join(chunks)
    if fetched.truncated:
        raise TooLarge(f"{fetched.final_url} is larger than {max_bytes} bytes.")
    encoding = (response.headers.get("content-encoding") or "").strip().lower()
    if decode and encoding in ("gzip", "x-gzip"):
        body = gunzip_capped(body, max_bytes)
    elif decode and encoding == "deflate":
        body = _inflate(body, max_bytes)
    fetched.body = body


def _inflate(body: bytes, max_bytes: int) -> bytes:
    try:
        return gunzip_capped(body, max_bytes, wbits=zlib.MAX_WBITS)
    except TooLarge:
        return gunzip_capped(body, max_bytes, wbits=-zlib.MAX_WBITS)


def _credentials(
    site: SiteAccess | None, url: str, decode: bool
) -> tuple[dict[str, str], httpx.BasicAuth | None]:
    """Headers (cookies included) and basic auth of the site: only for the site's own hosts."""
    headers: dict[str, str] = {"Accept-Encoding": "gzip, deflate" if decode else "identity"}
    if site is None or not site.in_scope(url):
        return headers, None
    headers.update(site.resolved_headers())
    cookies = site.resolved_cookies()
    if cookies:
        headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in cookies.items())
    credentials = site.resolved_basic_auth()
    return headers, httpx.BasicAuth(*credentials) if credentials is not None else None
