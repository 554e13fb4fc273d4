"""robots.txt: parsing for our token, fetch outcomes, and Crawl-delay honoured by politeness."""

from __future__ import annotations

import asyncio
import itertools
import time

import httpx

from ecoaudit.config import adhoc_site
from ecoaudit.crawl.frontier import Frontier, Politeness
from ecoaudit.crawl.robots import MAX_ROBOTS_BYTES, RobotsPolicy, fetch_robots
from local_http import LocalHttpServer

ROBOTS = """\
# Our group wins over the catch-all one.
User-agent: *
Disallow: /

User-agent: Googlebot
User-agent: ecoaudit
Disallow: /private/
Allow: /private/public-report.pdf
Disallow: /*.json$
Disallow: /search?
Crawl-delay: 0.4

Sitemap: https://metz.fr/sitemap-pages.xml
"""


def text_answer(body: str, status: int = 200) -> tuple[int, dict[str, str], str]:
    return status, {"Content-Type": "text/plain"}, body


def test_group_for_our_token_is_used_rather_than_the_star_group() -> None:
    policy = RobotsPolicy.parse(ROBOTS)
    assert policy.allowed("https://metz.fr/")
    assert policy.allowed("https://metz.fr/actus/2017/page.php")
    assert not policy.allowed("https://metz.fr/private/notes.html")
    assert policy.crawl_delay == 0.4
    assert policy.sitemaps == ["https://metz.fr/sitemap-pages.xml"]
    assert not policy.disallows_everything


def test_longest_match_wins_and_allow_wins_a_tie() -> None:
    policy = RobotsPolicy.parse(ROBOTS)
    assert policy.allowed("/private/public-report.pdf")
    policy = RobotsPolicy.parse("User-agent: *\nDisallow: /page\nAllow: /page\n")
    assert policy.allowed("/page")


def test_wildcards_and_end_anchor_match_path_and_query() -> None:
    policy = RobotsPolicy.parse(ROBOTS)
    assert not policy.allowed("https://metz.fr/api/data.json")
    assert policy.allowed("https://metz.fr/api/data.json?v=2")
    assert not policy.allowed("https://metz.fr/search?q=piscine")
    assert policy.allowed("https://metz.fr/search")


def test_star_group_applies_when_no_group_names_us() -> None:
    policy = RobotsPolicy.parse("User-agent: otherbot\nDisallow:\n\nUser-agent: *\nDisallow: /\n")
    assert policy.disallows_everything
    assert not policy.allowed("/anything")
    assert policy.allowed("/robots.txt")


def test_empty_disallow_allows_everything() -> None:
    assert RobotsPolicy.parse("User-agent: *\nDisallow:\n").allowed("/x")


def test_request_rate_sets_the_delay_when_longer_than_crawl_delay() -> None:
    policy = RobotsPolicy.parse("User-agent: ecoaudit\nRequest-rate: 1/5s 0600-0845\n")
    assert policy.crawl_delay == 5.0
    policy = RobotsPolicy.parse("User-agent: *\nCrawl-delay: 3\nRequest-rate: 10/1m\n")
    assert policy.crawl_delay == 6.0
    policy = RobotsPolicy.parse("User-agent: *\nCrawl-delay: 8\nRequest-rate: 1/2s\n")
    assert policy.crawl_delay == 8.0
    assert RobotsPolicy.parse("User-agent: *\nRequest-rate: often\n").crawl_delay is None


def test_request_rate_spaces_requests_through_politeness() -> None:
    site = adhoc_site("https://metz.fr/", min_delay=0.5)
    frontier = Frontier(site)
    robots = "User-agent: *\nRequest-rate: 1/4s\n"
    frontier.use_robots(RobotsPolicy.parse(robots, origin="https://metz.fr"))
    assert frontier.politeness.delay_for("https://metz.fr/page") == 4.0


def test_narrower_allow_under_a_full_disallow_is_not_disallow_everything() -> None:
    policy = RobotsPolicy.parse("User-agent: *\nDisallow: /\nAllow: /public/\n")
    assert not policy.allowed("/") and policy.allowed("/public/page")
    assert not policy.disallows_everything
    assert RobotsPolicy.parse("User-agent: *\nDisallow: /\nAllow: /\n").allowed("/x")


def test_group_names_our_token_at_a_word_boundary_only() -> None:
    robots = "User-agent: audit\nDisallow: /\n\nUser-agent: ECOAUDIT\nDisallow: /prive/\n"
    policy = RobotsPolicy.parse(robots)
    assert policy.allowed("/page") and not policy.allowed("/prive/x")


def test_404_robots_allows_everything_and_5xx_allows_nothing() -> None:
    async def scenario(server: LocalHttpServer) -> tuple[RobotsPolicy, RobotsPolicy]:
        async with httpx.AsyncClient() as client:
            missing = await fetch_robots(client, server.url("/"), "ecoaudit/0.1")
            server.routes["/robots.txt"] = text_answer("busy", status=503)
            failing = await fetch_robots(client, server.url("/"), "ecoaudit/0.1")
        return missing, failing

    with LocalHttpServer() as server:
        missing, failing = asyncio.run(scenario(server))
    assert missing.status == "missing" and missing.allowed(server.url("/a"))
    assert failing.status == "server-error" and failing.disallows_everything
    assert "robots.txt answered HTTP 503" in failing.describe()


def test_redirects_are_followed_within_the_limit_and_size_is_capped() -> None:
    async def scenario(server: LocalHttpServer) -> list[RobotsPolicy]:
        policies = []
        async with httpx.AsyncClient() as client:
            for robots_path in ("/moved", "/loop0", "/huge"):
                server.routes["/robots.txt"] = (301, {"Location": robots_path}, "")
                policies.append(await fetch_robots(client, server.url("/"), "ecoaudit/0.1"))
        return policies

    routes = {
        "/moved": text_answer("User-agent: *\nDisallow: /prive/\n"),
        "/huge": text_answer("User-agent: *\nDisallow: /\n" + "#" * MAX_ROBOTS_BYTES),
        **{f"/loop{hop}": (302, {"Location": f"/loop{hop + 1}"}, "") for hop in range(10)},
    }
    with LocalHttpServer(routes) as server:
        moved, looping, huge = asyncio.run(scenario(server))
        hops = [path for path in server.paths() if path.startswith("/loop")]
    assert moved.status == "parsed" and not moved.allowed(server.url("/prive/a"))
    assert looping.status == "unreachable" and "TooManyRedirects" in looping.reason
    assert len(hops) == 5 and looping.allowed(server.url("/a"))
    assert huge.status == "unreachable" and huge.reason == "robots.txt is too large"
    assert huge.allowed(server.url("/a"))


def test_unreachable_robots_allows_everything() -> None:
    with LocalHttpServer() as server:
        closed_url = server.url("/")
    # The server is now closed: the port refuses connections.

    async def scenario() -> RobotsPolicy:
        async with httpx.AsyncClient() as client:
            return await fetch_robots(client, closed_url, "ecoaudit/0.1")

    policy = asyncio.run(scenario())
    assert policy.status == "unreachable"
    assert policy.allowed(closed_url + "page")


def test_fetched_robots_is_parsed_and_user_agent_sent() -> None:
    async def scenario(server: LocalHttpServer) -> RobotsPolicy:
        site = adhoc_site(server.url("/"))
        async with httpx.AsyncClient(headers={"User-Agent": site.user_agent}) as client:
            return await fetch_robots(client, server.url("/deep/page"), site.user_agent, site)

    with LocalHttpServer({"/robots.txt": text_answer(ROBOTS)}) as server:
        policy = asyncio.run(scenario(server))
        seen = server.requests[0]
    assert seen.path == "/robots.txt"
    assert seen.headers["User-Agent"].startswith("ecoaudit/")
    assert policy.origin == server.base
    assert not policy.allowed(server.url("/private/x"))


def test_disallow_all_robots_blocks_the_crawl_with_a_reason() -> None:
    async def scenario(server: LocalHttpServer) -> Frontier:
        frontier = Frontier(adhoc_site(server.url("/"), min_delay=0))
        async with httpx.AsyncClient() as client:
            await frontier.seed(client)
        return frontier

    routes = {"/robots.txt": text_answer("User-agent: *\nDisallow: /\n"), "/": text_answer("hi")}
    with LocalHttpServer(routes) as server:
        frontier = asyncio.run(scenario(server))
        asked = server.paths()
    assert frontier.next() is None
    assert frontier.blocked_reason == (
        f"{server.base}/robots.txt disallows every page for the user-agent 'ecoaudit'."
    )
    assert frontier.refused["robots"] == 1
    assert asked == ["/robots.txt"]  # not even the sitemap is fetched


def test_respect_robots_false_ignores_the_file() -> None:
    async def scenario(server: LocalHttpServer) -> Frontier:
        frontier = Frontier(adhoc_site(server.url("/"), respect_robots=False, sitemap=False))
        async with httpx.AsyncClient() as client:
            await frontier.seed(client)
        return frontier

    routes = {"/robots.txt": text_answer("User-agent: *\nDisallow: /\n")}
    with LocalHttpServer(routes) as server:
        frontier = asyncio.run(scenario(server))
        assert server.paths() == []
    assert frontier.pending == 1 and frontier.blocked_reason is None


def test_crawl_delay_spaces_requests_to_the_same_host() -> None:
    """Three requests with min_delay 0.05 and Crawl-delay 0.4: starts at least 0.4 s apart."""
    starts: list[float] = []

    async def scenario(server: LocalHttpServer) -> None:
        site = adhoc_site(server.url("/"), min_delay=0.05, max_concurrency_per_host=3)
        frontier = Frontier(site)
        async with httpx.AsyncClient() as client:
            frontier.use_robots(await fetch_robots(client, server.url("/"), site.user_agent, site))
            assert frontier.politeness.delay_for(server.url("/")) == 0.4

            async def get(path: str) -> None:
                async with frontier.politeness.slot(server.url(path)):
                    starts.append(time.monotonic())
                    await client.get(server.url(path))

            await asyncio.gather(get("/a"), get("/b"), get("/c"))

    with LocalHttpServer({"/robots.txt": text_answer(ROBOTS)}) as server:
        asyncio.run(scenario(server))
        assert sorted(server.paths()) == ["/a", "/b", "/c", "/robots.txt"]
    gaps = [later - earlier for earlier, later in itertools.pairwise(starts)]
    # The event loop may wake a timer up to its clock resolution early.
    assert len(gaps) == 2 and all(gap >= 0.39 for gap in gaps), gaps


def test_concurrency_per_host_is_bounded() -> None:
    async def scenario() -> int:
        politeness = Politeness(max_concurrency_per_host=2, min_delay=0)
        running = peak = 0

        async def work() -> None:
            nonlocal running, peak
            async with politeness.slot("127.0.0.1:1"):
                running += 1
                peak = max(peak, running)
                await asyncio.sleep(0.02)
                running -= 1

        await asyncio.gather(*(work() for _ in range(6)))
        return peak

    assert asyncio.run(scenario()) == 2


def test_min_delay_larger_than_crawl_delay_applies() -> None:
    politeness = Politeness(max_concurrency_per_host=1, min_delay=2.0)
    politeness.set_crawl_delay("https://metz.fr", 0.5)
    assert politeness.delay_for("metz.fr") == 2.0
    politeness.set_crawl_delay("https://metz.fr", 5)
    assert politeness.delay_for("https://metz.fr:443/page") == 5


def test_first_slot_does_not_wait() -> None:
    async def scenario() -> float:
        politeness = Politeness(max_concurrency_per_host=1, min_delay=5.0)
        began = time.monotonic()
        async with politeness.slot("metz.fr"):
            return time.monotonic() - began

    assert asyncio.run(scenario()) < 0.1
