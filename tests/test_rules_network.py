"""Rules on how resources travel: compression, caching, HTTP version and domains, errors and
redirects, HTTPS, and the site rule on static hosts."""

from ecoaudit.capture import Capture, TextStats
from ecoaudit.rules.checks.resources import counted
from tests.rule_captures import SITE, finding, page, req, site_finding


def _text(length: int, gzip_bytes: int) -> TextStats:
    return TextStats(length=length, line_breaks=10, semicolons=0, gzip_bytes=gzip_bytes)


BR = {"content-encoding": "br"}

# text-compression: >= 100 % pass, >= 95 % warn, below fail; files over 150 bytes


def test_compressed_text_passes():
    result = finding("text-compression", page(req("/", size=10_000, headers=BR)))
    assert (result.status, result.value) == ("pass", 100.0)


def test_uncompressed_text_fails_with_the_estimated_saving():
    capture = page(req("/app.js", "script", size=10_000, text_stats=_text(10_000, 2_000)))
    result = finding("text-compression", capture)
    assert (result.status, result.value) == ("fail", 0.0)
    assert result.evidence[0].saving_bytes == 8_000
    assert result.to_dict()["saving_bytes"] == 8_000


def test_compression_share_edges():
    def share_page(uncompressed: int):
        return page(req("/", size=100_000 - uncompressed, headers=BR),
                    req("/a.css", "stylesheet", size=uncompressed,
                        text_stats=_text(uncompressed, 0)))
    assert finding("text-compression", share_page(5_000)).status == "warn"  # exactly 95 %
    assert finding("text-compression", share_page(5_100)).status == "fail"  # 94.9 %


def test_small_gains_and_third_parties_do_not_count():
    capture = page(req("/", size=10_000, headers=BR),
                   req("/tiny.css", "stylesheet", size=1_000, text_stats=_text(1_000, 900)),
                   req("https://cdn.other.net/lib.js", "script", size=90_000))
    assert finding("text-compression", capture).status == "pass"


def test_compression_with_no_text_over_150_bytes_is_na():
    capture = page(req("/", size=150), req("/p.webp", "image", size=50_000))
    result = finding("text-compression", capture)
    assert result.status == "na" and "150" in result.reason


# cache-headers: share of static bytes with a lifetime; 100 % pass, >= 90 % warn

LONG = {"cache-control": "public, max-age=31536000"}


def test_static_files_with_max_age_pass():
    capture = page(req("/"), req("/a.css", "stylesheet", headers=LONG))
    assert finding("cache-headers", capture).status == "pass"


def test_static_file_without_cache_headers_fails():
    result = finding("cache-headers", page(req("/"), req("/a.css", "stylesheet", size=5_000)))
    assert (result.status, result.value) == ("fail", 0.0)
    assert "ni Cache-Control" in result.evidence[0].detail
    assert result.evidence[0].saving_bytes == 5_000


def test_cache_share_edge_at_90_percent_warns():
    capture = page(req("/a.css", "stylesheet", size=90_000, headers=LONG),
                   req("/b.js", "script", size=10_000))
    result = finding("cache-headers", capture)
    assert (result.status, result.value) == ("warn", 90.0)
    capture = page(req("/a.css", "stylesheet", size=89_000, headers=LONG),
                   req("/b.js", "script", size=11_000))
    assert finding("cache-headers", capture).status == "fail"


def test_cache_header_variants():
    date = "Sat, 28 Nov 2026 10:00:00 GMT"
    cases = {
        "/fresh-expires.css": ({"expires": "Sun, 29 Nov 2026 10:00:00 GMT", "date": date}, True),
        "/stale-expires.css": ({"expires": "Fri, 27 Nov 2026 10:00:00 GMT", "date": date}, False),
        "/no-cache.css": ({"cache-control": "no-cache, max-age=600"}, False),
        "/zero.css": ({"cache-control": "max-age=0"}, False),
        "/etag-only.css": ({"etag": '"abc"'}, False),
    }
    capture = page(*[req(path, "stylesheet", headers=headers) for path, (headers, _) in
                     cases.items()])
    flagged = {e.url.removeprefix(SITE) for e in finding("cache-headers", capture).evidence}
    assert flagged == {path for path, (_, cached) in cases.items() if not cached}


def test_cache_without_first_party_static_files_is_na():
    capture = page(req("/"), req("https://cdn.other.net/a.js", "script"))
    assert finding("cache-headers", capture).status == "na"


# http2-and-domains

def test_all_http2_on_one_domain_passes():
    capture = page(req("/"), req("/a.css", "stylesheet", protocol="h3"))
    assert finding("http2-and-domains", capture).status == "pass"


def test_an_http1_response_fails():
    capture = page(req("/"), req("/a.css", "stylesheet", protocol="http/1.1"))
    result = finding("http2-and-domains", capture)
    assert result.status == "fail"
    assert "1 réponse en http/1.1" in result.evidence[0].detail


def test_domain_count_edge():
    three = [req("/"), req("https://a.other.net/x.js", "script"),
             req("https://b.other.net/y.js", "script")]
    assert finding("http2-and-domains", page(*three)).status == "pass"
    four = [*three, req("https://c.other.net/z.js", "script")]
    assert finding("http2-and-domains", page(*four)).status == "warn"


def test_static_files_on_two_first_party_hosts_warn():
    capture = page(req("/"), req("/a.css", "stylesheet"),
                   req("https://static.metz.fr/b.js", "script"))
    result = finding("http2-and-domains", capture)
    assert result.status == "warn"
    assert "2 hôtes" in result.evidence[-1].detail


def test_http2_with_only_inline_urls_is_na():
    capture = page(req("data:image/png;base64,AAAA", "image"))
    assert finding("http2-and-domains", capture).status == "na"


# http-errors-redirects: no error, at most one redirect

def test_no_error_and_no_redirect_passes():
    assert finding("http-errors-redirects", page(req("/"))).status == "pass"


def test_a_404_fails():
    result = finding("http-errors-redirects", page(req("/"), req("/old.css", "stylesheet",
                                                                  status=404)))
    assert result.status == "fail"
    assert result.evidence[0].detail == "erreur HTTP 404"


def test_one_redirect_is_allowed_two_are_not():
    first = req("http://www.metz.fr/", status=301, redirect_to=SITE + "/")
    second = req("/index", status=308, redirect_to=SITE + "/")
    assert finding("http-errors-redirects", page(first, req("/"))).status == "pass"
    result = finding("http-errors-redirects", page(first, second, req("/")))
    assert result.status == "fail" and result.value == "0 erreur, 2 redirections"


def test_errors_without_requests_are_na():
    capture = Capture(requested_url=SITE + "/", final_url=SITE + "/", status=200)
    assert finding("http-errors-redirects", capture).status == "na"


# https-everywhere

def test_https_only_passes_and_an_http_to_https_redirect_is_fine():
    capture = page(req("http://www.metz.fr/", status=301), req("/"))
    assert finding("https-everywhere", capture).status == "pass"


def test_plain_http_resource_fails():
    result = finding("https-everywhere", page(req("/"), req("http://www.metz.fr/logo.png",
                                                            "image")))
    assert (result.status, result.value) == ("fail", 1)


def test_loopback_is_exempt_unless_told_otherwise():
    capture = page(req("http://127.0.0.1:8000/a.css", "stylesheet"))
    assert finding("https-everywhere", capture).status == "pass"
    assert finding("https-everywhere", capture, exempt_loopback=False).status == "fail"


def test_https_without_network_requests_is_na():
    assert finding("https-everywhere", page(req("data:text/css,a", "stylesheet"))).status == "na"


# site-static-hosts (site rule)

def test_one_static_host_across_pages_passes():
    pages = [page(req("/"), req("/a.css", "stylesheet")), page(req("/b.js", "script"))]
    result = site_finding("site-static-hosts", pages)
    assert (result.status, result.value) == ("pass", 1)


def test_two_static_hosts_across_pages_warn():
    pages = [page(req("/a.css", "stylesheet")),
             page(req("https://static.metz.fr/b.js", "script"),
                  req("https://cdn.other.net/c.js", "script"))]
    result = site_finding("site-static-hosts", pages)
    assert (result.status, result.value) == ("warn", 2)
    assert site_finding("site-static-hosts", pages, max_hosts=2).status == "pass"


def test_site_without_static_files_is_na():
    assert site_finding("site-static-hosts", [page(req("/"))]).status == "na"


def test_site_rule_with_no_measured_page_is_na():
    failed = Capture(requested_url=SITE + "/", error="DNS")
    assert site_finding("site-static-hosts", [failed]).status == "na"


def test_loopback_servers_are_exempt_from_the_http1_part_unless_told_otherwise():
    capture = page(req("http://127.0.0.1:8000/a.css", "stylesheet", protocol="http/1.1"))
    assert finding("http2-and-domains", capture).status == "pass"
    assert finding("http2-and-domains", capture, exempt_loopback=False).status == "fail"


def test_counts_in_findings_agree_in_french() -> None:
    assert [counted(n, "requête") for n in (0, 1, 2)] == ["0 requête", "1 requête", "2 requêtes"]
    assert counted(3, "hôte statique", "hôtes statiques") == "3 hôtes statiques"
