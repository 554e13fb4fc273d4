"""Every rule through the real browser, on a fixture site served by a private nginx (127.0.0.1).

Each page of tests/fixtures/rules_site breaks one rule; the tests assert its status, value and
evidence (URLs, and bytes checked against what nginx logged as sent), and that every other rule
passes or does not apply. The clean page, over HTTP/2 and TLS, passes every rule. nginx gives
the pass and fail sides of compression (gzip on and off), caching (expires on and off) and
protocol (HTTP/1.1 and HTTP/2 over TLS).

Coupled rules: EcoIndex grade D needs more elements than dom-size's 600-element warning, and a
CO2 rating D needs more than page-weight's 1024 kB warning, so those two pages also warn on the
coupled rule (and only on it). The third party is the same nginx reached as `localhost`: another
host name for the rules, no other address. Both loopback exemptions (HTTP/1.1, plain HTTP) are
turned off through threshold overrides where their rule is tested.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup

from ecoaudit import rules
from ecoaudit.capture import Capture
from ecoaudit.measure import MeasureOptions, measure_urls
from ecoaudit.metrics import co2, ecoindex
from ecoaudit.scoring import score_page
from tests.fixtures.build_rules_site import (
    COOKIE,
    USED_RULES,
    BuiltSite,
    build_rules_site,
    nginx_locations,
)
from tests.nginx_server import LoggedResponse, NginxServer, NginxUnavailable

pytestmark = pytest.mark.browser

OPTIONS = MeasureOptions(wait_before=0, wait_after=0, timeout=60, ignore_https_errors=True)
NO_LOOPBACK_HTTP1 = {"http2-and-domains": {"exempt_loopback": False}}
NO_LOOPBACK_PLAIN_HTTP = {"https-everywhere": {"exempt_loopback": False}}


@dataclass(frozen=True)
class FixturePage:
    """A page of the fixture site, how it is served, and the rules it must not pass."""

    name: str
    not_passing: dict[str, str]  # rule -> expected status; every other rule passes or is na
    server: str = "http"  # "http" (HTTP/1.1), "tls-http1" or "h2" (see tests/nginx_server.py)
    overrides: dict[str, dict] = field(default_factory=dict)


PAGES = (
    FixturePage("clean", {}, "h2", {**NO_LOOPBACK_HTTP1, **NO_LOOPBACK_PLAIN_HTTP}),
    FixturePage("autoplay-and-animations", {"autoplay-and-animations": "fail"}),
    FixturePage("bitmap-overweight", {"bitmap-overweight": "fail"}),
    FixturePage("cache-headers", {"cache-headers": "fail"}),
    FixturePage("co2-per-view", {"co2-per-view": "fail", "page-weight": "warn"}),
    FixturePage("cookies", {"cookies": "fail"}),
    FixturePage("dom-size", {"dom-size": "warn"}),
    FixturePage("ecoindex-grade", {"ecoindex-grade": "fail", "dom-size": "warn"}),
    FixturePage("http-errors-redirects", {"http-errors-redirects": "fail"}),
    FixturePage("http2-and-domains", {"http2-and-domains": "fail"}, "tls-http1",
                NO_LOOPBACK_HTTP1),
    FixturePage("https-everywhere", {"https-everywhere": "fail"}, "http", NO_LOOPBACK_PLAIN_HTTP),
    FixturePage("images-resized-in-browser", {"images-resized-in-browser": "fail"}),
    FixturePage("minified-css-js", {"minified-css-js": "fail"}),
    FixturePage("modern-image-formats", {"modern-image-formats": "fail"}),
    FixturePage("offscreen-images", {"offscreen-images": "fail"}),
    FixturePage("page-weight", {"page-weight": "warn"}),
    FixturePage("permission-prompts", {"permission-prompts": "fail"}),
    FixturePage("request-count", {"request-count": "warn"}),
    FixturePage("social-widgets-plugins", {"social-widgets-plugins": "fail"}),
    FixturePage("text-compression", {"text-compression": "fail"}),
    FixturePage("third-parties-before-consent", {"third-parties-before-consent": "fail"}),
    FixturePage("unused-css-js", {"unused-css-js": "warn"}),
    FixturePage("web-fonts", {"web-fonts": "fail"}),
)
BY_NAME = {page.name: page for page in PAGES}


@dataclass
class MeasuredSite:
    server: NginxServer
    site: BuiltSite
    captures: dict[str, Capture]
    findings: dict[str, dict[str, dict]]  # page -> rule -> finding dict
    logged: list[LoggedResponse]

    def url(self, path: str, server: str = "http") -> str:
        return self.server.url(path, server)

    def finding(self, page: str, rule: str | None = None) -> dict:
        return self.findings[page][rule or page]

    def bytes_sent(self, url: str) -> int:
        """What nginx logged as sent (headers included) for this URL; the same on every load."""
        parts = urlsplit(url)
        sizes = {entry.bytes_sent for entry in self.logged
                 if entry.port == parts.port and entry.uri == parts.path}
        assert len(sizes) == 1, f"{url}: nginx logged {sorted(sizes) or 'nothing'}"
        return sizes.pop()

    def file(self, path: str) -> Path:
        return self.site.root / path.lstrip("/")


@pytest.fixture(scope="module")
def measured(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MeasuredSite]:
    """The fixture site on a private nginx, every page measured once (one browser, 6 at once)."""
    root = tmp_path_factory.mktemp("rules_site")
    try:
        server = NginxServer.start(root, extra_config=nginx_locations())
    except NginxUnavailable as reason:
        pytest.skip(f"nginx cannot run here: {reason}")
    try:
        site = build_rules_site(root, server.url("", host="localhost"))
        urls = [server.url(f"/pages/{page.name}.html", page.server) for page in PAGES]
        captured = measure_urls(urls, OPTIONS, concurrency=6)
        captures = {page.name: capture for page, capture in zip(PAGES, captured, strict=True)}
        findings = {
            page.name: {finding["rule"]: finding for finding in
                        score_page(captures[page.name], overrides=page.overrides).findings}
            for page in PAGES
        }
        yield MeasuredSite(server, site, captures, findings, server.responses())
    finally:
        server.stop()


def _evidence(finding: dict) -> list[tuple]:
    return [(item["url"], item["bytes"], item["saving_bytes"], item["detail"])
            for item in finding["evidence"]]


def _elements_in(html: str) -> int:
    """Elements as EcoIndex counts them (SVG descendants excluded), from the page's source."""
    soup = BeautifulSoup(html, "html.parser")
    return sum(1 for tag in soup.find_all(True)
               if not any(parent.name == "svg" for parent in tag.parents))


# -- every page ---------------------------------------------------------------------------------


def test_every_page_was_measured(measured: MeasuredSite):
    errors = {name: capture.error for name, capture in measured.captures.items() if capture.error}
    assert errors == {}


def test_every_page_rule_has_its_breaking_page():
    page_rules = {rule.id for rule in rules.load_catalogue() if rule.scope == "page"}
    broken = {page.name for page in PAGES if page.name in page.not_passing}
    assert broken == page_rules


@pytest.mark.parametrize("page", [page for page in PAGES if page.name != "clean"],
                         ids=lambda page: page.name)
def test_each_page_breaks_only_its_rule(measured: MeasuredSite, page: FixturePage):
    if page.name == "web-fonts" and measured.site.fonts_missing:
        pytest.skip(measured.site.fonts_missing)
    statuses = {rule: finding["status"] for rule, finding in measured.findings[page.name].items()}
    assert {rule: statuses[rule] for rule in page.not_passing} == page.not_passing
    others = {rule: status for rule, status in statuses.items() if rule not in page.not_passing}
    assert {rule: status for rule, status in others.items() if status not in ("pass", "na")} == {}


def test_clean_page_passes_every_rule_over_http2(measured: MeasuredSite):
    findings = measured.findings["clean"]
    assert {rule: finding["status"] for rule, finding in findings.items()} == {
        rule: "pass" for rule in findings}
    capture = measured.captures["clean"]
    assert {request.protocol for request in capture.requests} == {"h2"}
    port = measured.server.ports["h2"]
    assert {entry.protocol for entry in measured.logged if entry.port == port} == {"HTTP/2.0"}
    headers = {urlsplit(r.url).path: r.response_headers for r in capture.requests}
    assert headers["/pages/clean.html"]["content-encoding"] == "gzip"
    assert headers["/static/css/site.css"]["cache-control"] == "max-age=604800"
    assert "expires" in headers["/static/img/facade.webp"]


# -- one rule each --------------------------------------------------------------------------------


def test_autoplaying_audio_fails_with_its_source(measured: MeasuredSite):
    finding = measured.finding("autoplay-and-animations")
    assert finding["value"] == 1
    assert _evidence(finding) == [(measured.url("/static/media/annonce.wav"), None, None,
                                   "<audio> en lecture automatique (autoplay, en boucle)")]


def test_noisy_webp_fails_bitmap_overweight_by_its_bytes_over_the_pixel_allowance(
        measured: MeasuredSite):
    url = measured.url("/static/img/vitrail.webp")
    size = measured.bytes_sent(url)
    assert size > measured.file("/static/img/vitrail.webp").stat().st_size
    allowance = 300 * 200 * 0.2  # 12,000 bytes: over small_image_bytes (10,000)
    saving = round(size - allowance)
    finding = measured.finding("bitmap-overweight")
    assert finding["value"] == saving
    assert _evidence(finding) == [(url, size, saving,
                                   f"webp {size / 1000:.1f} ko, {size / 60000:.2f} octet/pixel")]


def test_stylesheet_without_cache_headers_fails_cache_headers(measured: MeasuredSite):
    url = measured.url("/nocache/css/collecte.css")
    (request,) = [r for r in measured.captures["cache-headers"].requests if r.url == url]
    assert "cache-control" not in request.response_headers
    assert "expires" not in request.response_headers
    finding = measured.finding("cache-headers")
    assert finding["value"] == 0.0
    size = measured.bytes_sent(url)
    assert _evidence(finding) == [
        (url, size, size, "css non mis en cache : ni Cache-Control max-age ni Expires")]


def test_page_over_1_4_mb_fails_co2_per_view_with_rating_d(measured: MeasuredSite):
    capture = measured.captures["co2-per-view"]
    assert capture.transfer_bytes == sum(measured.bytes_sent(r.url) for r in capture.requests)
    figures = co2.page_co2(capture.transfer_bytes)
    assert figures["global"]["rating"] == "D"
    finding = measured.finding("co2-per-view")
    assert finding["value"] == figures["global"]["grams_per_view"]
    assert finding["threshold"]["max_rating"] == "C"
    global_detail = finding["evidence"][0]["detail"]
    assert global_detail.endswith(f"{figures['global']['grams_per_view']} gCO2e par vue, note D")
    assert measured.finding("co2-per-view", "page-weight")["status"] == "warn"


def test_large_cookie_fails_cookies_with_the_static_request_that_carried_it(
        measured: MeasuredSite):
    url = measured.url("/static/css/site.css")
    finding = measured.finding("cookies")
    assert finding["value"] == len(COOKIE) == 1112
    assert _evidence(finding) == [
        (url, 1112, None, "en-tête Cookie de 1112 octets"),
        (url, 1112, 1112, "css statique envoyé avec 1112 octets de cookies"),
    ]


def test_long_list_warns_dom_size_with_the_exact_element_count(measured: MeasuredSite):
    html = measured.file("/pages/dom-size.html").read_text(encoding="utf-8")
    expected = _elements_in(html)
    assert 600 < expected <= 1400
    finding = measured.finding("dom-size")
    assert finding["value"] == measured.captures["dom-size"].nodes == expected
    assert _evidence(finding) == [(None, None, None, "profondeur maximale 4")]


def test_grade_d_fails_ecoindex_grade_with_its_score(measured: MeasuredSite):
    capture = measured.captures["ecoindex-grade"]
    html = measured.file("/pages/ecoindex-grade.html").read_text(encoding="utf-8")
    assert capture.nodes == _elements_in(html) == 1300
    assert capture.request_count == 21
    result = ecoindex.compute(capture.nodes, capture.request_count, capture.size_kb)
    assert result.grade == "D"
    finding = measured.finding("ecoindex-grade")
    assert finding["value"] == result.score
    assert _evidence(finding) == [(None, None, None, (
        f"EcoIndex {result.score}/100, note D (1300 éléments, 21 requêtes, "
        f"{capture.size_kb:.1f} ko)"))]


def test_missing_script_fails_http_errors_redirects_and_the_redirect_is_listed(
        measured: MeasuredSite):
    missing, moved = measured.url("/static/js/ancien-menu.js"), measured.url(
        "/static/img/ancien-logo.webp")
    statuses = {entry.uri: entry.status for entry in measured.logged}
    assert statuses["/static/js/ancien-menu.js"] == 404
    assert statuses["/static/img/ancien-logo.webp"] == 301
    finding = measured.finding("http-errors-redirects")
    assert finding["value"] == "1 erreur, 1 redirection"
    redirect_size = measured.bytes_sent(moved)
    evidence = _evidence(finding)
    assert [(url, detail) for url, _, _, detail in evidence] == [
        (missing, "erreur HTTP 404"),
        (moved, f"redirection HTTP 301 vers {measured.url('/static/img/logo.webp')}"),
    ]
    assert evidence[1][1:3] == (redirect_size, redirect_size)


def test_http1_over_tls_fails_http2_and_domains_unless_loopback_is_exempt(
        measured: MeasuredSite):
    capture = measured.captures["http2-and-domains"]
    assert {request.protocol for request in capture.requests} == {"http/1.1"}
    page = measured.url("/pages/http2-and-domains.html", "tls-http1")
    assert page.startswith("https://")
    finding = measured.finding("http2-and-domains")
    assert finding["value"] == "3 réponses HTTP/1.x, 1 domaine, 1 hôte statique"
    total = sum(measured.bytes_sent(r.url) for r in capture.requests)
    assert _evidence(finding) == [(page, total, None, "127.0.0.1 : 3 réponses en http/1.1")]
    by_default = rules.evaluate(capture)
    assert [f.status for f in by_default if f.rule == "http2-and-domains"] == ["pass"]


def test_two_hosts_over_a_limit_of_one_warn_http2_and_domains_with_their_names(
        measured: MeasuredSite):
    capture = measured.captures["third-parties-before-consent"]  # 127.0.0.1 and localhost
    (finding,) = [f for f in rules.evaluate(capture, overrides={
        "http2-and-domains": {"max_domains": 1}}) if f.rule == "http2-and-domains"]
    assert finding.status == "warn"
    assert finding.value == "0 réponse HTTP/1.x, 2 domaines, 0 hôte statique"
    assert finding.evidence[-1].detail == "2 domaines : 127.0.0.1, localhost"


def test_plain_http_fails_https_everywhere_for_each_resource(measured: MeasuredSite):
    page, stylesheet = (measured.url("/pages/https-everywhere.html"),
                        measured.url("/static/css/site.css"))
    finding = measured.finding("https-everywhere")
    assert finding["value"] == 2
    assert _evidence(finding) == [
        (page, measured.bytes_sent(page), None, "html chargé en HTTP"),
        (stylesheet, measured.bytes_sent(stylesheet), None, "css chargé en HTTP"),
    ]


def test_image_shown_at_a_quarter_of_its_size_fails_images_resized_in_browser(
        measured: MeasuredSite):
    url = measured.url("/static/img/plan-quartier.webp")
    size = measured.bytes_sent(url)
    finding = measured.finding("images-resized-in-browser")
    assert finding["value"] == 1
    assert _evidence(finding) == [
        (url, size, round(size * (1 - (200 * 150) / (800 * 600))),
         "800×600 px téléchargée, affichée en 200×150 px")]


def test_readable_stylesheet_fails_minified_css_js(measured: MeasuredSite):
    text = measured.file("/static/css/lisible.css").read_text(encoding="utf-8")
    lines = text.count("\n")
    finding = measured.finding("minified-css-js")
    assert finding["value"] == 0.0
    assert _evidence(finding) == [
        (measured.url("/static/css/lisible.css"), len(text.encode()), None,
         f"css non minifié : {lines} lignes, {len(text) / lines:.0f} caractères par ligne")]


def test_jpeg_fails_modern_image_formats_with_a_webp_estimate(measured: MeasuredSite):
    url = measured.url("/static/img/fontaine.jpg")
    size = measured.bytes_sent(url)
    finding = measured.finding("modern-image-formats")
    assert finding["value"] == 0.0
    assert _evidence(finding) == [
        (url, size, round(size - 160 * 100 * 0.2), f"image jpeg ({size / 1000:.1f} ko)")]


def test_hidden_image_fails_offscreen_images_and_eager_image_below_the_fold_is_listed(
        measured: MeasuredSite):
    hidden, below = (measured.url("/static/img/bandeau-mobile.webp"),
                     measured.url("/static/img/pied-de-page.webp"))
    finding = measured.finding("offscreen-images")
    assert finding["value"] == 2
    assert _evidence(finding) == [
        (hidden, measured.bytes_sent(hidden), measured.bytes_sent(hidden),
         "téléchargée (400×100 px) mais jamais affichée"),
        (below, measured.bytes_sent(below), measured.bytes_sent(below),
         'hors du premier écran, chargée sans loading="lazy"'),
    ]


def test_heavy_data_script_warns_page_weight(measured: MeasuredSite):
    capture = measured.captures["page-weight"]
    total = sum(measured.bytes_sent(r.url) for r in capture.requests)
    assert 1_024_000 < total < 1_410_000  # over the warning, under a CO2 rating D
    script = measured.url("/static/js/pistes.js")
    finding = measured.finding("page-weight")
    assert finding["value"] == round(total / 1000, 1)
    size = measured.bytes_sent(script)
    assert _evidence(finding)[0] == (script, size, None, f"js, {size / 1000:.1f} ko")


def test_notification_request_on_load_fails_permission_prompts(measured: MeasuredSite):
    finding = measured.finding("permission-prompts")
    assert finding["value"] == 1
    assert _evidence(finding) == [
        (None, None, None, "permission « notifications » demandée au chargement")]


def test_thirty_icons_warn_request_count(measured: MeasuredSite):
    finding = measured.finding("request-count")
    assert finding["value"] == 31
    assert _evidence(finding) == [(None, None, None, "31 requêtes : 30 svg, 1 html")]
    port = measured.server.ports["http"]
    icons = {entry.uri for entry in measured.logged
             if entry.port == port and entry.uri.startswith("/static/icons/")}
    assert len(icons) == 30


def test_flash_object_and_empty_src_fail_social_widgets_plugins(measured: MeasuredSite):
    finding = measured.finding("social-widgets-plugins")
    assert finding["value"] == 2
    assert _evidence(finding) == [(None, None, None, "1 <object>/<embed>"),
                                  (None, None, None, "1 attribut src ou href vide")]


def test_stylesheet_sent_uncompressed_fails_text_compression(measured: MeasuredSite):
    url = measured.url("/raw/css/theme.css")
    (request,) = [r for r in measured.captures["text-compression"].requests if r.url == url]
    assert "content-encoding" not in request.response_headers
    css = measured.file("/raw/css/theme.css").read_bytes()
    html = measured.file("/pages/text-compression.html").read_bytes()
    finding = measured.finding("text-compression")
    assert finding["value"] == round(100 * len(html) / (len(html) + len(css)), 1)
    saving = len(css) - len(gzip.compress(css, compresslevel=6))
    assert _evidence(finding) == [
        (url, len(css), saving, f"css envoyé sans compression ({len(css) / 1000:.1f} ko)")]


def test_script_from_another_host_fails_third_parties_before_consent(measured: MeasuredSite):
    url = measured.server.url("/static/js/statistiques.js", host="localhost")
    size = measured.bytes_sent(url)
    finding = measured.finding("third-parties-before-consent")
    assert finding["value"] == 1
    assert _evidence(finding) == [(url, size, size, "localhost : 1 requête avant consentement")]


def test_mostly_unused_stylesheet_warns_unused_css_js(measured: MeasuredSite):
    size = measured.file("/static/css/composants.css").stat().st_size
    unused = size - len(USED_RULES)
    finding = measured.finding("unused-css-js")
    assert finding["value"] == unused
    assert _evidence(finding) == [(measured.url("/static/css/composants.css"), size, unused,
                                   f"css : {unused / 1000:.1f} ko inutilisés (100 %)")]


def test_three_font_families_over_400_kb_fail_web_fonts(measured: MeasuredSite):
    if measured.site.fonts_missing:
        pytest.skip(measured.site.fonts_missing)
    fonts = [measured.url(f"/static/fonts/{name}.ttf")
             for name in ("texte", "titres", "citations")]
    sizes = {url: measured.bytes_sent(url) for url in fonts}
    total = sum(sizes.values())
    assert total > 400_000
    finding = measured.finding("web-fonts")
    assert finding["value"] == f"3 familles, 3 variantes, {total / 1000:.1f} ko"
    heaviest_first = sorted(fonts, key=sizes.__getitem__, reverse=True)
    assert _evidence(finding) == [
        *[(url, sizes[url], None, f"police, {sizes[url] / 1000:.1f} ko")
          for url in heaviest_first],
        (None, None, None, "familles : citations, texte, titres"),
    ]


# -- the site rule --------------------------------------------------------------------------------


def test_static_files_on_two_first_party_hosts_warn_site_static_hosts(measured: MeasuredSite):
    (alone,) = rules.evaluate_site([measured.captures["clean"]])
    assert (alone.rule, alone.status, alone.value) == ("site-static-hosts", "pass", 1)
    (finding,) = rules.evaluate_site(list(measured.captures.values()),
                                     first_party_hosts=["127.0.0.1", "localhost"])
    assert (finding.status, finding.value) == ("warn", 2)
    details = [item.detail for item in finding.evidence]
    assert details[1] == "localhost : 1 ressource statique"
    assert details[0].startswith("127.0.0.1 : ")


# -- the TLS option the HTTP/2 pages need ---------------------------------------------------------


def test_self_signed_certificate_is_refused_unless_https_errors_are_ignored(
        measured: MeasuredSite):
    strict = MeasureOptions(wait_before=0, wait_after=0, timeout=30)
    (capture,) = measure_urls([measured.url("/pages/clean.html", "h2")], strict)
    assert capture.error == "the site's TLS certificate is not valid"
    assert measured.captures["clean"].error is None
