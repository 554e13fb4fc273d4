"""Server-side request forgery: a public site must not steer the crawler to private addresses.

No public host can be used here, so the tests change which addresses count as private (and only
that): `treat_as_public("127.0.0.1")` removes that one address from urls.PRIVATE_NETWORKS, so a
server on 127.0.0.1 plays a public web site while a server on 127.0.0.2 (the rest of 127/8 stays
private) plays the machine's or the LAN's internal service. Every network call is real: the
browser, its redirects, the resolver (`localhost` really resolves to 127.0.0.1) and the servers,
whose own logs prove that the internal one never received a request.
"""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import Iterator

import pytest

from ecoaudit.config import SiteConfig
from ecoaudit.crawl.engine import crawl_sites
from ecoaudit.crawl.frontier import Frontier
from ecoaudit.measure import BrowserSession, MeasureOptions
from ecoaudit.measure.failures import invalid_url_reason
from ecoaudit.net import httpfetch, urls
from ecoaudit.store import Store
from tests.hostile_server import HostileServer

pytestmark = pytest.mark.browser

HOSTILE_SCHEMES = ("file:///etc/passwd", "data:text/html,<p>hi</p>", "chrome://settings/",
                   "javascript:alert(1)")


def treat_as_public(monkeypatch: pytest.MonkeyPatch, address: str) -> None:
    """Count this one loopback address as public; every other private range stays private."""
    target = ipaddress.ip_network(address)
    networks: list = []
    for network in urls.PRIVATE_NETWORKS:
        if network.version == target.version and target.subnet_of(network):
            networks.extend(network.address_exclude(target))
        else:
            networks.append(network)
    monkeypatch.setattr(urls, "PRIVATE_NETWORKS", tuple(networks))


def public_routes(internal: HostileServer, outsider: HostileServer) -> dict:
    """Pages of the 'public' site, each trying to reach the internal server another way."""
    inside = internal.url("/secret")
    port = internal.port

    def page(body: str):
        return lambda handler: handler.send_body(
            f"<!doctype html><html><head><title>t</title></head><body>{body}</body></html>"
            .encode())

    def redirect(location: str):
        return lambda handler: handler.redirect(location)

    return {
        "/home": page("<a href='/to-internal'>a</a><a href='/script'>b</a><a href='/frame'>c</a>"
                      f"<a href='{inside}'>d</a><a href='/decimal'>e</a>"),
        "/to-internal": redirect(inside),
        "/script": page(f"<script>setTimeout(() => location.href = '{inside}', 10)</script>"),
        "/frame": page(f"<iframe src='{inside}'></iframe>"),
        "/popup": page(f"<script>window.open('{inside}', '_blank')</script>"),
        "/decimal": redirect(f"http://2130706434:{port}/secret"),  # 127.0.0.2 as one number
        "/hex": redirect(f"http://0x7f000002:{port}/secret"),
        "/to-file": redirect("file:///etc/passwd"),
        "/elsewhere": redirect(outsider.url("/welcome")),
    }


@pytest.fixture(scope="module")
def servers() -> Iterator[tuple[HostileServer, HostileServer, HostileServer]]:
    with HostileServer("127.0.0.2") as internal, HostileServer() as outsider, HostileServer(
            extra_routes=public_routes(internal, outsider)) as public:
        yield public, internal, outsider


def measure(urls_to_measure: list[str], options: MeasureOptions) -> list:
    async def run() -> list:
        async with BrowserSession(options) as session:
            return [await session.measure(url) for url in urls_to_measure]

    return asyncio.run(run())


def options_for(*hosts: HostileServer, allow_private: bool) -> MeasureOptions:
    # Short waits, yet long enough for /script's navigation (10 ms after parsing) to happen.
    return MeasureOptions(wait_before=0.3, wait_after=0.3, timeout=10, collect_coverage=False,
                          allowed_hosts=[f"127.0.0.1:{server.port}" if server.base.startswith(
                              "http://127.0.0.1") else f"127.0.0.2:{server.port}"
                              for server in hosts],
                          allow_private=allow_private)


@pytest.fixture(scope="module")
def public_site_captures(servers) -> dict:
    public, internal, outsider = servers
    paths = ("/to-internal", "/script", "/frame", "/popup", "/decimal", "/hex", "/to-file",
             "/elsewhere")
    with pytest.MonkeyPatch.context() as monkeypatch:
        treat_as_public(monkeypatch, "127.0.0.1")
        captures = measure([public.url(path) for path in paths],
                           options_for(public, allow_private=False))
    return {"captures": dict(zip(paths, captures, strict=True)),
            "internal_log": [entry.path for entry in internal.requests()],
            "outsider_log": [entry.path for entry in outsider.requests()]}


def test_http_redirect_to_a_private_address_is_refused_before_it_leaves(public_site_captures):
    capture = public_site_captures["captures"]["/to-internal"]
    assert capture.error.startswith("refused: ")
    assert "private address 127.0.0.2" in capture.error
    assert public_site_captures["internal_log"] == []


def test_script_navigation_to_a_private_address_is_refused(public_site_captures):
    capture = public_site_captures["captures"]["/script"]
    assert capture.error.startswith("refused: ")
    assert "127.0.0.2" in capture.error


def test_frame_from_a_private_address_is_not_loaded_but_the_page_is_measured(
        public_site_captures):
    capture = public_site_captures["captures"]["/frame"]
    assert capture.error is None and capture.nodes
    assert public_site_captures["internal_log"] == []


def test_pop_up_towards_a_private_address_is_counted_not_opened(public_site_captures):
    capture = public_site_captures["captures"]["/popup"]
    assert capture.error is None and capture.popups == 1
    assert capture.request_count == 1  # the pop-up's requests are not the page's
    assert public_site_captures["internal_log"] == []


def test_private_addresses_written_as_numbers_are_refused(public_site_captures):
    for path in ("/decimal", "/hex"):
        assert "private address 127.0.0.2" in public_site_captures["captures"][path].error


def test_redirect_to_a_file_url_is_refused(public_site_captures):
    capture = public_site_captures["captures"]["/to-file"]
    assert capture.error and capture.nodes is None


def test_redirect_out_of_the_allowed_hosts_is_not_followed(public_site_captures):
    capture = public_site_captures["captures"]["/elsewhere"]
    assert "out of the site's allowed hosts" in capture.error
    assert public_site_captures["outsider_log"] == []


def test_dns_answer_leading_to_a_private_address_is_refused(monkeypatch, tmp_path) -> None:
    # Here 127.0.0.2 plays the public site and 127.0.0.1 the internal service, reached through
    # the name `localhost`, which the resolver answers with 127.0.0.1.
    treat_as_public(monkeypatch, "127.0.0.2")
    with HostileServer() as internal:
        routes = {"/go": lambda handler: handler.redirect(f"http://localhost:{internal.port}/")}
        with HostileServer("127.0.0.2", extra_routes=routes) as public:
            (capture,) = measure([public.url("/go")],
                                 MeasureOptions(wait_before=0, wait_after=0, timeout=10,
                                                collect_coverage=False, allow_private=False))
        assert internal.requests() == []
    assert "'localhost' resolves to the private address 127.0.0.1" in capture.error


def test_a_dns_answer_that_changes_after_the_check_is_caught_at_the_connection(
        monkeypatch) -> None:
    """DNS rebinding against robots.txt, sitemap and document fetches: the name was checked
    while it pointed to a public address, then httpx's own lookup gives a private one. No DNS
    server can run here, so the check's lookup is replaced by a public answer (and only it);
    the connection, its peer and the server are real."""
    async def answered_public(host: str, allow_private: bool) -> list[str]:
        return ["203.0.113.7"]

    async def fetch_robots(url: str, allow_private: bool):
        async with httpfetch.site_client() as client:
            return await httpfetch.fetch(client, url, None, allow_private=allow_private)

    monkeypatch.setattr(httpfetch, "resolve_and_check_async", answered_public)
    with HostileServer() as internal:
        with pytest.raises(urls.UrlError, match=r"private address 127\.0\.0\.1") as refused:
            asyncio.run(fetch_robots(internal.url("/robots.txt"), allow_private=False))
        allowed = asyncio.run(fetch_robots(internal.url("/robots.txt"), allow_private=True))
    assert "DNS answer changed" in str(refused.value)
    assert allowed.status == 200 and allowed.body


def test_a_staging_site_that_allows_private_addresses_follows_the_redirect(servers) -> None:
    public, internal, _outsider = servers
    before = len(internal.requests())
    (capture,) = measure([public.url("/to-internal")],
                         options_for(public, internal, allow_private=True))
    assert capture.final_url == internal.url("/secret")  # followed (the page itself is a 404)
    assert "/secret" in [entry.path for entry in internal.requests()[before:]]


def test_crawl_of_a_public_site_never_reaches_the_private_server(servers, monkeypatch,
                                                                 tmp_path) -> None:
    public, internal, _outsider = servers
    treat_as_public(monkeypatch, "127.0.0.1")
    before = len(internal.requests())
    site = SiteConfig(name="public", title="Public", start_urls=[public.url("/home")],
                      allowed_hosts=[f"127.0.0.1:{public.port}"], max_pages=10, min_delay=0,
                      page_timeout=10, allow_private_addresses=False)
    with Store.open(f"sqlite:///{tmp_path / 'ecoaudit.db'}") as store:
        (result,) = asyncio.run(crawl_sites(
            [site], store, MeasureOptions(wait_before=0, wait_after=0, timeout=10,
                                          collect_coverage=False), concurrency=2))
        errors = {page["url"].removeprefix(public.base): page["error"]
                  for page in store.page_summaries(result.run_id)}
    assert len(internal.requests()) == before
    assert errors["/home"] is None
    assert errors["/to-internal"].startswith("refused: ")
    assert errors["/decimal"].startswith("refused: ")


def test_crawl_starting_on_a_private_host_fails_with_a_reason_unless_allowed(tmp_path) -> None:
    with HostileServer("127.0.0.2") as internal:
        site = SiteConfig(name="inside", title="Inside", start_urls=[internal.url("/")],
                          allowed_hosts=[f"127.0.0.2:{internal.port}"], max_pages=3,
                          page_timeout=10, allow_private_addresses=False)
        with Store.open(f"sqlite:///{tmp_path / 'ecoaudit.db'}") as store:
            (result,) = asyncio.run(crawl_sites(
                [site], store, MeasureOptions(wait_before=0, wait_after=0, timeout=10),
                concurrency=1))
        assert internal.requests() == []
    assert result.status == "failed"
    assert "allow_private_addresses = true" in result.reason


@pytest.mark.parametrize("url", HOSTILE_SCHEMES)
def test_non_web_schemes_are_refused_everywhere(url: str) -> None:
    assert invalid_url_reason(url)
    with pytest.raises(urls.UrlError):
        urls.check_scheme(url)
    site = SiteConfig(name="s", title="S", start_urls=["http://127.0.0.1:9/"],
                      allowed_hosts=["127.0.0.1:9"])
    frontier = Frontier(site)
    assert not frontier.add(url, 1, "link")
    assert frontier.refused["scheme"] == 1


def test_browser_session_refuses_non_web_schemes_without_loading_them() -> None:
    captures = measure(list(HOSTILE_SCHEMES), MeasureOptions(wait_before=0, wait_after=0,
                                                              timeout=5))
    assert all(capture.error and "unsupported URL scheme" in capture.error
               for capture in captures)
