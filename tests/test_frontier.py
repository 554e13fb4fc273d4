"""The crawl frontier: scope, patterns, limits, traps, deduplication, documents, robots."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from ecoaudit.capture import Link
from ecoaudit.config import SiteConfig, adhoc_site
from ecoaudit.crawl.frontier import FoundDocument, Frontier, QueuedUrl
from local_http import LocalHttpServer

BASE = "http://127.0.0.1:8123"


def site(**overrides: Any) -> SiteConfig:
    return adhoc_site(BASE + "/", min_delay=0, **overrides)


def drain(frontier: Frontier) -> list[QueuedUrl]:
    taken = []
    while (item := frontier.next()) is not None:
        taken.append(item)
    return taken


def test_port_in_the_host_is_part_of_the_scope() -> None:
    frontier = Frontier(site())
    assert frontier.add(BASE + "/", 0, "start")
    assert frontier.add(BASE + "/a", 1, "link")
    assert not frontier.add("http://127.0.0.1:9999/a", 1, "link")
    assert not frontier.add("http://localhost:8123/a", 1, "link")
    assert not frontier.add("https://metz.fr/", 1, "link")
    assert frontier.refused["out_of_scope"] == 3
    assert [item.url for item in drain(frontier)] == [BASE + "/", BASE + "/a"]


def test_query_strings_are_kept_and_tracking_parameters_dropped() -> None:
    frontier = Frontier(site())
    assert frontier.add(BASE + "/agenda?page=2", 1, "link")
    assert frontier.add(BASE + "/agenda?page=3&cat=sport", 1, "link")
    assert not frontier.add(BASE + "/agenda?page=2&utm_source=lettre#top", 1, "link")
    assert frontier.refused["duplicate"] == 1
    assert [item.url for item in drain(frontier)] == [
        BASE + "/agenda?page=2", BASE + "/agenda?page=3&cat=sport",
    ]


def test_exclude_patterns_refuse_and_include_patterns_restrict() -> None:
    frontier = Frontier(site(exclude=[r"/admin/", r"\?mode=print"], include=[r"/actus/"]))
    assert frontier.add(BASE + "/", 0, "start")  # start URLs do not need to match include
    assert frontier.add(BASE + "/actus/2025/fete.html", 1, "link")
    assert not frontier.add(BASE + "/agenda/", 1, "link")
    assert not frontier.add(BASE + "/actus/admin/", 1, "link")
    assert not frontier.add(BASE + "/actus/x?mode=print", 1, "link")
    assert dict(frontier.refused) == {"not_included": 1, "excluded": 2}


def test_depth_limit_refuses_deeper_links_but_not_start_urls() -> None:
    frontier = Frontier(site(max_depth=1))
    assert frontier.add(BASE + "/", 0, "start")
    assert frontier.add(BASE + "/one", 1, "link", parent=BASE + "/")
    assert not frontier.add(BASE + "/two", 2, "link", parent=BASE + "/one")
    assert frontier.refused["too_deep"] == 1
    assert drain(frontier)[1] == QueuedUrl(BASE + "/one", 1, "link", BASE + "/")


def test_page_limit_counts_queued_and_measured_pages() -> None:
    frontier = Frontier(site(max_pages=3))
    for path in ("/", "/a", "/b", "/c", "/d"):
        frontier.add(BASE + path, 1, "link")
    assert frontier.pending == 3 and frontier.refused["page_limit"] == 2
    first = frontier.next()
    assert first is not None and frontier.mark_done(first.url, first.url)
    assert not frontier.add(BASE + "/e", 1, "link")  # 1 measured + 2 queued
    second = frontier.next()
    assert second is not None
    # /a redirects to the already measured home page: its slot is given back.
    assert not frontier.mark_done(second.url, BASE + "/")
    assert frontier.add(BASE + "/e", 1, "link")
    assert frontier.done_count == 1


def test_redirects_are_deduplicated_on_the_final_url() -> None:
    frontier = Frontier(site())
    frontier.add(BASE + "/ancien", 0, "start")
    frontier.add(BASE + "/nouveau", 1, "link")
    frontier.add(BASE + "/autre-ancien", 1, "link")
    first = frontier.next()
    assert first is not None and first.url == BASE + "/ancien"
    assert frontier.mark_done(first.url, BASE + "/nouveau")
    # /nouveau is already measured through the redirect: it is not handed out again.
    second = frontier.next()
    assert second is not None and second.url == BASE + "/autre-ancien"
    assert not frontier.mark_done(second.url, BASE + "/nouveau#main")
    assert frontier.next() is None
    assert not frontier.add(BASE + "/nouveau", 1, "link")
    assert not frontier.add(BASE + "/ancien", 1, "link")
    assert frontier.done_count == 1


def test_documents_are_recorded_not_queued() -> None:
    frontier = Frontier(site())
    links = [
        Link(BASE + "/files/rapport-2024.pdf", " Rapport annuel (PDF, 2 Mo) "),
        Link(BASE + "/files/rapport-2024.pdf#page=2", "again"),
        Link(BASE + "/budget.XLSX?v=3", "Budget"),
        Link(BASE + "/page.html", "Page"),
        Link("https://elsewhere.example/doc.pdf", "not ours"),
    ]
    assert frontier.add_links(links, 1, BASE + "/") == 1
    assert frontier.documents == [
        FoundDocument(BASE + "/files/rapport-2024.pdf", BASE + "/", "Rapport annuel (PDF, 2 Mo)"),
        FoundDocument(BASE + "/budget.XLSX?v=3", BASE + "/", "Budget"),
    ]
    assert frontier.refused["duplicate"] == 1 and frontier.refused["out_of_scope"] == 1
    assert [item.url for item in drain(frontier)] == [BASE + "/page.html"]


def test_documents_on_a_first_party_host_are_recorded() -> None:
    frontier = Frontier(site(first_party_hosts=["cdn.metz.fr"]))
    frontier.add("https://cdn.metz.fr/guide.pdf", 1, "link", parent=BASE + "/")
    assert [d.url for d in frontier.documents] == ["https://cdn.metz.fr/guide.pdf"]
    assert not frontier.add("https://cdn.metz.fr/page.html", 1, "link")  # pages stay in scope


def test_documents_can_be_switched_off_or_capped() -> None:
    frontier = Frontier(site(documents=False))
    frontier.add(BASE + "/a.pdf", 1, "link")
    assert frontier.documents == [] and frontier.refused["documents_off"] == 1
    frontier = Frontier(site(max_documents=2))
    for name in ("a", "b", "c"):
        frontier.add(BASE + f"/{name}.odt", 1, "link")
    assert len(frontier.documents) == 2 and frontier.refused["document_limit"] == 1


def test_non_web_links_are_refused() -> None:
    frontier = Frontier(site())
    links = ["javascript:void(0)", "mailto:mairie@metz.fr", "tel:+33387555555", "ftp://x/"]
    assert frontier.add_links(links, 1, BASE + "/") == 0
    assert frontier.refused["scheme"] == 4
    assert frontier.refused_samples["scheme"][0] == "javascript:void(0)"


def test_too_long_urls_are_refused() -> None:
    frontier = Frontier(site(max_url_length=60))
    assert frontier.add(BASE + "/short", 1, "link")
    assert not frontier.add(BASE + "/" + "x" * 60, 1, "link")
    assert frontier.refused["too_long"] == 1


def test_query_variants_per_path_are_capped() -> None:
    """A calendar that links to the next day forever stops after max_query_variants pages."""
    frontier = Frontier(site(max_query_variants=3))
    results = [frontier.add(BASE + f"/agenda?jour={day}", 1, "link") for day in range(1, 8)]
    assert results == [True, True, True, False, False, False, False]
    assert frontier.refused["query_variants"] == 4
    assert frontier.add(BASE + "/agenda", 1, "link")  # the path itself is still welcome
    assert frontier.add(BASE + "/actus?page=2", 1, "link")  # other paths have their own count


def test_resume_skips_already_measured_urls() -> None:
    frontier = Frontier(site(max_pages=3))
    frontier.add(BASE + "/", 0, "start")
    frontier.resume_from({BASE + "/", BASE + "/a?utm_medium=x"})
    assert frontier.done_count == 2
    assert not frontier.add(BASE + "/a", 1, "link")
    assert frontier.add(BASE + "/b", 1, "link")
    assert [item.url for item in drain(frontier)] == [BASE + "/b"]
    assert not frontier.add(BASE + "/c", 1, "link")  # 2 measured + 1 queued = max_pages


def test_robots_rules_are_applied_to_added_urls() -> None:
    from ecoaudit.crawl.robots import RobotsPolicy

    policy = RobotsPolicy.parse("User-agent: *\nDisallow: /prive/\n", origin=BASE)
    frontier = Frontier(site(), robots={BASE: policy})
    assert frontier.add(BASE + "/public", 1, "link")
    assert not frontier.add(BASE + "/prive/x", 1, "link")
    assert not frontier.add(BASE + "/prive/doc.pdf", 1, "link")
    assert frontier.refused["robots"] == 2 and frontier.documents == []
    frontier = Frontier(site(respect_robots=False), robots={BASE: policy})
    assert frontier.add(BASE + "/prive/x", 1, "link")


def test_robots_of_a_second_allowed_host_is_fetched_before_its_first_url() -> None:
    async def scenario(main: LocalHttpServer, other: LocalHttpServer) -> list[str]:
        config = adhoc_site(main.url("/"), min_delay=0, sitemap=False,
                            allowed_hosts=[f"127.0.0.1:{main.port}", f"127.0.0.1:{other.port}"])
        frontier = Frontier(config)
        async with httpx.AsyncClient() as client:
            await frontier.seed(client)
            frontier.add(other.url("/prive/page"), 1, "link")
            frontier.add(other.url("/ouvert"), 1, "link")
            taken = []
            while (item := await frontier.next_allowed(client)) is not None:
                taken.append(item.url)
        assert frontier.refused["robots"] == 1
        return taken

    robots = (200, {}, "User-agent: ecoaudit\nDisallow: /prive/\n")
    with LocalHttpServer() as main, LocalHttpServer({"/robots.txt": robots}) as other:
        taken = asyncio.run(scenario(main, other))
        assert other.paths() == ["/robots.txt"]
    assert taken == [main.url("/"), other.url("/ouvert")]


LINKS_PAGE = """<!doctype html><html lang="fr"><head><title>Accueil</title></head><body>
<nav><a href="/actus/">Actualités</a> <a href="agenda?page=2#haut">Agenda</a>
<a href="javascript:void(0)">Menu</a> <a href="mailto:mairie@metz.fr">Écrire</a>
<a href="tel:+33387555555">Appeler</a> <a href="https://metz.example.org/">Ailleurs</a>
<a href="/docs/rapport.pdf">Rapport annuel (PDF)</a></nav>
<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" usemap="#carte" alt="Carte">
<map name="carte"><area href="/quartiers/sablon" alt="Sablon" shape="rect" coords="0,0,1,1"></map>
<div id="later"></div>
<script>
const link = document.createElement("a");
link.href = "/ajoute-par-script";
link.textContent = "Ajouté";
document.getElementById("later").appendChild(link);
</script></body></html>"""


@pytest.mark.browser
def test_links_of_the_rendered_dom_are_discovered() -> None:
    from ecoaudit.measure import MeasureOptions, measure_urls

    html = (200, {"Content-Type": "text/html; charset=utf-8"}, LINKS_PAGE)
    with LocalHttpServer({"/": html}) as server:
        (capture,) = measure_urls(
            [server.url("/")], MeasureOptions(wait_before=0, wait_after=0, timeout=20),
            concurrency=1,
        )
    assert capture.ok, capture.error
    frontier = Frontier(adhoc_site(server.url("/"), min_delay=0))
    frontier.add(server.url("/"), 0, "start")
    frontier.mark_done(frontier.next().url, capture.final_url)  # type: ignore[union-attr]
    frontier.add_links(capture.links, 1, capture.final_url)
    assert sorted(item.url for item in drain(frontier)) == sorted([
        server.url("/actus/"), server.url("/agenda?page=2"), server.url("/quartiers/sablon"),
        server.url("/ajoute-par-script"),
    ])
    assert [d.url for d in frontier.documents] == [server.url("/docs/rapport.pdf")]
    assert frontier.documents[0].link_text == "Rapport annuel (PDF)"
    assert frontier.refused["scheme"] == 3 and frontier.refused["out_of_scope"] == 1


def test_urls_of_an_origin_on_a_private_address_are_refused_for_a_public_site() -> None:
    async def scenario(server: LocalHttpServer) -> QueuedUrl | None:
        config = adhoc_site("https://193.51.1.1/", allowed_hosts=["193.51.1.1", "127.0.0.1"])
        frontier = Frontier(config)
        assert frontier.add(server.url("/interne"), 1, "link")
        async with httpx.AsyncClient() as client:
            item = await frontier.next_allowed(client)
        assert frontier.refused["robots"] == 1
        assert "private address" in frontier.robots[server.base].reason
        return item

    with LocalHttpServer() as server:
        assert asyncio.run(scenario(server)) is None
        assert server.paths() == []  # never contacted
