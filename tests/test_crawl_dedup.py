"""Crawl deduplication fit for real CMSs: canonical links, trap parameters ignored by default,
duplicates recorded in the store and shown in the JSON document and the report."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import pytest

from ecoaudit.capture import Capture
from ecoaudit.config import parse_config
from ecoaudit.crawl.dedup import canonical_duplicate
from ecoaudit.crawl.engine import crawl_sites
from ecoaudit.crawl.frontier import Frontier
from ecoaudit.measure import MeasureOptions
from ecoaudit.measure.facts import canonical_of
from ecoaudit.net.urls import DEFAULT_IGNORED_PARAMETERS, normalise
from ecoaudit.report import generate_reports
from ecoaudit.report.loader import load_sites
from ecoaudit.report.site import figures_of
from ecoaudit.store import Store
from tests.local_http import LocalHttpServer
from tests.store_samples import sample_capture
from tests.wordpress_like_site import (
    MEASURED_PATHS,
    POST,
    PRINT_LINK,
    REPLY_LINKS,
    SHORTLINK,
    routes,
)

BASE = "https://www.ville-test.fr"
QUICK = MeasureOptions(wait_before=0, wait_after=0, timeout=15)


@dataclass
class Scope:
    """A site as `canonical_duplicate` reads it."""

    hosts: tuple[str, ...] = ("www.ville-test.fr",)
    ignored_query_parameters: list[str] = field(
        default_factory=lambda: list(DEFAULT_IGNORED_PARAMETERS))

    def in_scope(self, url: str) -> bool:
        return normalise(url, ()).split("/")[2] in self.hosts


def page(url: str, canonical: str | None, *, final: str | None = None,
         redirects: tuple[str, ...] = (), error: str | None = None) -> Capture:
    return Capture(requested_url=url, final_url=final or url, redirect_chain=list(redirects),
                   status=200, canonical_url=canonical, error=error)


# -- the decision -------------------------------------------------------------------------------


def test_a_canonical_naming_another_page_of_the_site_makes_a_duplicate() -> None:
    capture = page(BASE + "/?p=12", BASE + "/2024/05/fete/")
    assert canonical_duplicate(capture, Scope()) == BASE + "/2024/05/fete/"


def test_the_canonical_is_normalised_with_the_sites_ignored_parameters() -> None:
    capture = page(BASE + "/?p=12", "HTTPS://WWW.Ville-Test.fr:443/fete/?utm_source=x#top")
    assert canonical_duplicate(capture, Scope()) == BASE + "/fete/"
    # A page whose canonical differs from it by an ignored parameter only names itself.
    itself = page(BASE + "/fete/?replytocom=3", BASE + "/fete/?orderby=date&replytocom=3")
    assert canonical_duplicate(itself, Scope()) is None


@pytest.mark.parametrize("canonical", [
    None, "", BASE + "/fete/", BASE + "/fete/#comments", "https://partenaire.example.org/fete/",
    "http://[::1", "javascript:alert(1)", "/relative-never-resolved",
])
def test_a_page_naming_itself_out_of_scope_or_invalid_is_measured(canonical) -> None:
    assert canonical_duplicate(page(BASE + "/fete/", canonical), Scope()) is None


def test_a_canonical_through_which_the_page_was_reached_names_the_page_itself() -> None:
    # /fete redirects to /fete/ whose canonical is /fete (itself redirecting back): a loop.
    capture = page(BASE + "/fete", BASE + "/fete", final=BASE + "/fete/", redirects=(
        BASE + "/fete",))
    assert canonical_duplicate(capture, Scope()) is None


def test_a_failed_page_is_never_a_duplicate() -> None:
    failed = page(BASE + "/?p=12", BASE + "/fete/", error="HTTP status 404: ...")
    assert canonical_duplicate(failed, Scope()) is None


def test_the_site_config_is_a_scope_for_the_decision() -> None:
    site = parse_config({"sites": [{"name": "t", "start_urls": [BASE + "/"],
                                    "ignored_query_parameters": ["lang"]}]}).sites[0]
    assert canonical_duplicate(page(BASE + "/a?lang=fr", BASE + "/a"), site) is None
    # The site's list replaces the defaults: replytocom is kept by this site.
    assert canonical_duplicate(page(BASE + "/a?replytocom=1", BASE + "/a"), site) == BASE + "/a"


def test_the_collected_canonical_must_be_an_absolute_http_url() -> None:
    assert canonical_of(BASE + "/a") == BASE + "/a"
    assert canonical_of("javascript:void(0)") is None
    assert canonical_of("") is None and canonical_of(None) is None and canonical_of(3) is None
    assert canonical_of(BASE + "/" + "a" * 9000) is None


def test_captures_stored_before_the_canonical_field_still_load() -> None:
    stored = sample_capture("/").to_dict()
    del stored["canonical_url"]
    assert Capture.from_dict(stored).canonical_url is None
    capture = sample_capture("/")
    capture.canonical_url = BASE + "/"
    assert Capture.from_dict(capture.to_dict()).canonical_url == BASE + "/"


# -- trap parameters ----------------------------------------------------------------------------


@pytest.mark.parametrize("query", [
    "replytocom=12", "print=1", "printable=yes", "orderby=date", "order=desc", "sort=title",
    "sortby=price", "sort_by=name", "order_by=date", "ReplyToCom=4",
])
def test_trap_parameters_are_ignored_by_default(query: str) -> None:
    assert normalise(f"{BASE}/fete/?{query}") == BASE + "/fete/"
    assert normalise(f"{BASE}/agenda/?paged=2&{query}") == BASE + "/agenda/?paged=2"


@pytest.mark.parametrize("query", ["p=12", "page_id=4", "paged=2", "page=3", "cat=5", "s=fete"])
def test_parameters_that_lead_to_other_content_are_kept(query: str) -> None:
    assert normalise(f"{BASE}/?{query}") == f"{BASE}/?{query}"


def test_a_site_can_replace_the_ignored_parameters() -> None:
    site = parse_config({"sites": [{"name": "t", "start_urls": [BASE + "/"],
                                    "ignored_query_parameters": ["utm_*"]}]}).sites[0]
    frontier = Frontier(site)
    assert frontier.add(BASE + "/", 0, "start")
    assert frontier.add(BASE + "/fete/?replytocom=1", 1, "link")
    assert frontier.add(BASE + "/fete/", 1, "link")
    assert not frontier.add(BASE + "/fete/?utm_source=x", 1, "link")


# -- the frontier -------------------------------------------------------------------------------


def frontier_site(**keys):
    return parse_config({"sites": [{"name": "t", "start_urls": [BASE + "/"], **keys}]}).sites[0]


def test_the_canonical_page_is_queued_once_at_the_pages_depth() -> None:
    frontier = Frontier(frontier_site())
    assert frontier.add_canonical(BASE + "/fete/", 2, BASE + "/?p=12")
    item = frontier.next()
    assert item is not None and (item.url, item.depth, item.source, item.parent) == (
        BASE + "/fete/", 2, "canonical", BASE + "/?p=12")
    assert frontier.add_canonical(BASE + "/fete/", 2, BASE + "/?p=13")  # seen: measured anyway
    assert frontier.pending == 0


def test_a_canonical_page_the_crawl_may_not_visit_keeps_the_page_naming_it() -> None:
    frontier = Frontier(frontier_site(exclude=["/archives/"]))
    assert not frontier.add_canonical(BASE + "/archives/fete/", 1, BASE + "/fete/")
    frontier.set_aside(BASE + "/a/")
    assert frontier.is_set_aside(BASE + "/a/?utm_source=x")
    assert not frontier.add_canonical(BASE + "/a/", 1, BASE + "/b/")  # /a/ named /b/ before
    assert not frontier.add(BASE + "/a/", 1, "link")  # and is not visited again


# -- the store ----------------------------------------------------------------------------------


def test_duplicates_are_recorded_once_and_listed_in_the_runs_document(store: Store) -> None:
    run_id = store.start_run("metz", settings={}, protocol={})
    store.record_page(run_id, capture=sample_capture("/fete/"))
    url, post = BASE + "/?p=12", BASE + "/fete/"
    assert store.record_duplicate(run_id, url=url, duplicate_of=post, reason="canonical")
    assert not store.record_duplicate(run_id, url=url, duplicate_of=BASE + "/", reason="redirect")
    store.record_duplicate(run_id, url=BASE + "/index.php", duplicate_of=BASE + "/",
                           reason="same_content")
    duplicates = store.run_duplicates(run_id)
    assert [(d["url"], d["duplicate_of"], d["reason"]) for d in duplicates] == [
        (url, post, "canonical"), (BASE + "/index.php", BASE + "/", "same_content")]
    assert duplicates[0]["recorded_at"].endswith("Z") or "+00:00" in duplicates[0]["recorded_at"]
    document = store.run_document(run_id)
    assert [d["url"] for d in document["duplicates"]] == [url, BASE + "/index.php"]
    assert store.run(run_id)["pages_ok"] == 1
    assert store.integrity_check()
    with pytest.raises(ValueError, match="reason"):
        store.record_duplicate(run_id, url=BASE + "/x", duplicate_of=post, reason="similar")


# -- a whole crawl --------------------------------------------------------------------------------


def crawl_wordpress_like_site(store_url: str, *, devices: list[str] | None = None):
    holder: dict = {}
    server = LocalHttpServer(routes(lambda: holder["base"]))
    with server:
        holder["base"] = server.base
        site = parse_config({"sites": [{
            "name": "ville-test", "title": "Ville de Test", "start_urls": [server.url("/")],
            "allow_private_addresses": True, "min_delay": 0, "max_concurrency_per_host": 4,
            "sitemap": False, "respect_robots": False, "devices": devices or ["desktop"]}]}
        ).sites[0]
        with Store.open(store_url) as store:
            (result,) = asyncio.run(crawl_sites([site], store, QUICK, concurrency=4))
            pages = store.page_summaries(result.run_id)
            run = store.run(result.run_id)
            duplicates = store.run_duplicates(result.run_id)
            (site_data,) = load_sites(store)
    return server, result, run, pages, duplicates, site_data


@pytest.mark.browser
def test_a_wordpress_like_site_measures_each_page_once(store_url: str) -> None:
    server, result, run, pages, duplicates, site_data = crawl_wordpress_like_site(store_url)
    base = server.base
    measured = sorted(page["url"].replace(base, "") for page in pages)
    assert measured == sorted(MEASURED_PATHS)
    assert all(page["error"] is None for page in pages)
    # The shortlink is set aside as a duplicate of the post, which is measured once.
    assert [(d["url"], d["duplicate_of"], d["reason"]) for d in duplicates] == [
        (base + SHORTLINK, base + POST, "canonical")]
    assert result.duplicates == 1 and result.pages_ok == 5 and result.status == "completed"
    assert (run["pages_ok"], run["pages_failed"]) == (5, 0)
    figures = figures_of(site_data, site_data.latest)
    assert figures.pages_measured == 5 and len(site_data.latest.pages) == 5
    navigations = server.paths("GET")
    assert navigations.count(POST) == 1 and navigations.count(SHORTLINK) == 1
    # The trap parameters never reach the server; the shortlink's own links were followed.
    assert not [path for path in navigations if "replytocom" in path or "print" in path]
    assert PRINT_LINK not in navigations and not set(REPLY_LINKS) & set(navigations)
    assert "/plan-du-site/" in navigations


@pytest.mark.browser
def test_a_duplicate_is_not_measured_in_the_other_devices(tmp_path) -> None:
    store_url = f"sqlite:///{tmp_path / 'devices.db'}"
    server, result, _, pages, duplicates, _ = crawl_wordpress_like_site(
        store_url, devices=["desktop", "mobile"])
    assert server.paths("GET").count(SHORTLINK) == 1
    assert not [page for page in pages if page["url"].endswith(SHORTLINK)]
    assert len(pages) == 2 * len(MEASURED_PATHS) and len(duplicates) == 1
    assert result.pages_ok == 5


@pytest.mark.browser
def test_the_json_document_and_the_report_show_the_duplicates(tmp_path) -> None:
    store_url = f"sqlite:///{tmp_path / 'report.db'}"
    server, result, *_ = crawl_wordpress_like_site(store_url)
    with Store.open(store_url) as store:
        document = store.run_document(result.run_id)
        french = generate_reports(store, tmp_path / "fr")
        english = generate_reports(store, tmp_path / "en", lang="en")
    assert [(d["url"], d["reason"]) for d in document["duplicates"]] == [
        (server.base + SHORTLINK, "canonical")]
    post = next(entry for entry in document["pages"] if entry["url"].endswith(POST))
    assert post["canonical_url"] == server.base + POST
    french_html = french.sites["ville-test"].read_text(encoding="utf-8")
    english_html = english.sites["ville-test"].read_text(encoding="utf-8")
    assert "Adresses écartées (doublons)" in french_html and "lien canonique" in french_html
    assert "Addresses set aside (duplicates)" in english_html
    assert "canonical link" in english_html
    assert f"{server.base}/?p=12" in french_html


def test_the_report_escapes_crawled_duplicate_urls(tmp_path) -> None:
    with Store.open(f"sqlite:///{tmp_path / 'xss.db'}") as store:
        run_id = store.start_run("xss", settings={}, protocol={})
        store.record_page(run_id, capture=sample_capture("/"))
        store.record_duplicate(run_id, url=BASE + '/"><script>alert(1)</script>',
                               duplicate_of=BASE + "/<b>x</b>", reason="same_content")
        store.finish_run(run_id, "completed")
        written = generate_reports(store, tmp_path / "out")
    html = written.sites["xss"].read_text(encoding="utf-8")
    assert "<script>alert(1)</script>" not in html and "<b>x</b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html



@pytest.mark.browser
def test_pages_naming_each_other_or_an_excluded_page_are_still_measured(tmp_path) -> None:
    def page(canonical: str | None, *links: str):
        head = f'<link rel="canonical" href="{canonical}">' if canonical else ""
        anchors = "".join(f'<a href="{link}">{link}</a>' for link in links)
        return 200, {"Content-Type": "text/html"}, f"<html><head>{head}</head><body>{anchors}" \
            "</body></html>"

    routes = {"/": page(None, "/a", "/b", "/c"), "/a": page("/b", "/"), "/b": page("/a"),
              "/c": page("/excluded/c")}
    with LocalHttpServer(routes) as server:
        site = parse_config({"sites": [{
            "name": "loops", "start_urls": [server.url("/")], "allow_private_addresses": True,
            "min_delay": 0, "sitemap": False, "respect_robots": False,
            "exclude": ["/excluded/"]}]}).sites[0]
        with Store.open(f"sqlite:///{tmp_path / 'loops.db'}") as store:
            (result,) = asyncio.run(crawl_sites([site], store, QUICK, concurrency=2))
            measured = sorted(p["url"].replace(server.base, "")
                              for p in store.page_summaries(result.run_id))
            duplicates = store.run_duplicates(result.run_id)
        assert "/excluded/c" not in server.paths()
    # /a and /b name each other: one is measured, the other set aside as its duplicate.
    assert len(duplicates) == 1 and duplicates[0]["reason"] == "canonical"
    kept = duplicates[0]["duplicate_of"].replace(server.base, "")
    assert measured == sorted(["/", "/c", kept]) and kept in ("/a", "/b")
