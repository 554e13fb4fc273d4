"""Rules on what the page carries: minified and used CSS/JS, fonts, autoplay and animations."""

import pytest

from ecoaudit.capture import Coverage, Font, Media, TextStats
from ecoaudit.rules.checks.content import looks_minified
from ecoaudit.rules.checks.media import animated_gif_saving
from tests.rule_captures import SITE, finding, page, req

MINIFIED = TextStats(length=10_000, line_breaks=1, semicolons=300, gzip_bytes=3_000)
PRETTY = TextStats(length=10_000, line_breaks=400, semicolons=300, gzip_bytes=3_000)


# minified-css-js: >= 95 % of bytes pass, >= 90 % warn

def test_looks_minified_heuristic_edges():
    assert looks_minified(TextStats(length=50, line_breaks=1, semicolons=0, gzip_bytes=0))
    assert looks_minified(TextStats(length=201, line_breaks=2, semicolons=3, gzip_bytes=0))
    assert not looks_minified(TextStats(length=200, line_breaks=2, semicolons=3, gzip_bytes=0))
    assert not looks_minified(TextStats(length=9000, line_breaks=2, semicolons=2, gzip_bytes=0))


def test_minified_files_pass():
    capture = page(req("/a.js", "script", text_stats=MINIFIED))
    assert finding("minified-css-js", capture).status == "pass"


def test_pretty_printed_file_fails():
    result = finding("minified-css-js", page(req("/a.css", "stylesheet", text_stats=PRETTY)))
    assert (result.status, result.value) == ("fail", 0.0)
    assert "400 lignes" in result.evidence[0].detail


@pytest.mark.parametrize(("pretty_length", "status"),
                         [(5_000, "pass"), (5_001, "warn"), (10_000, "warn"), (10_001, "fail")])
def test_minified_share_edges(pretty_length, status):
    minified = TextStats(length=100_000 - pretty_length, line_breaks=0, semicolons=0,
                         gzip_bytes=0)
    pretty = TextStats(length=pretty_length, line_breaks=500, semicolons=0, gzip_bytes=0)
    capture = page(req("/a.js", "script", text_stats=minified),
                   req("/b.js", "script", text_stats=pretty))
    assert finding("minified-css-js", capture).status == status


def test_third_party_files_are_not_judged():
    capture = page(req("https://cdn.other.net/a.js", "script", text_stats=PRETTY))
    assert finding("minified-css-js", capture).status == "na"


def test_minified_without_analysed_bodies_is_na_with_the_reason():
    result = finding("minified-css-js", page(req("/a.js", "script")))
    assert result.status == "na" and "pas été analysé" in result.reason


# unused-css-js: JS >= 20 KiB unused, CSS >= 10 KiB; fail from 100 KiB in total

def _coverage(*items):
    return page(coverage=[Coverage(url=SITE + f"/{i}", kind=kind, total_bytes=total,
                                   used_bytes=used) for i, (kind, total, used) in
                          enumerate(items)])


def test_used_code_passes():
    assert finding("unused-css-js", _coverage(("js", 50_000, 45_000))).status == "pass"


def test_unused_edges():
    assert finding("unused-css-js", _coverage(("js", 20_479, 0))).status == "pass"
    result = finding("unused-css-js", _coverage(("js", 20_480, 0)))
    assert (result.status, result.value) == ("warn", 20_480)
    assert finding("unused-css-js", _coverage(("css", 10_240, 0))).status == "warn"
    assert finding("unused-css-js", _coverage(("css", 10_239, 0))).status == "pass"


def test_large_unused_total_fails():
    result = finding("unused-css-js", _coverage(("js", 200_000, 10_000), ("css", 30_000, 0)))
    assert (result.status, result.value) == ("fail", 220_000)
    assert result.evidence[0].saving_bytes == 190_000


def test_unused_without_coverage_is_na():
    result = finding("unused-css-js", page(coverage=None))
    assert result.status == "na" and "couverture" in result.reason


# web-fonts: <= 2 families and <= 4 variants, or <= 400 kB

def _fonts(families, variants_each=1, size=0):
    fonts = [Font(family=f"F{f}", weight=str(100 * (v + 1)))
             for f in range(families) for v in range(variants_each)]
    requests = [req("/"), req("/f.woff2", "font", size=size)] if size else [req("/")]
    return page(*requests, fonts=fonts)


def test_two_families_four_variants_pass():
    assert finding("web-fonts", _fonts(2, 2, size=600_000)).status == "pass"


def test_too_many_and_too_heavy_fonts_fail():
    result = finding("web-fonts", _fonts(3, 1, size=500_000))
    assert result.status == "fail"
    assert result.value == "3 familles, 3 variantes, 500.0 ko"


def test_many_fonts_pass_when_light_enough_edge_at_400_kb():
    assert finding("web-fonts", _fonts(3, 2, size=400_000)).status == "pass"
    assert finding("web-fonts", _fonts(3, 2, size=400_001)).status == "fail"


def test_fonts_not_loaded_are_not_counted():
    capture = _fonts(2, 2, size=500_000)
    capture.fonts.append(Font(family="Unused", status="unloaded"))
    assert finding("web-fonts", capture).status == "pass"


def test_web_fonts_without_font_data_is_na():
    assert finding("web-fonts", page(fonts=None)).status == "na"


# autoplay-and-animations

def test_paused_media_passes():
    capture = page(media=[Media(tag="video", src=SITE + "/v.mp4")])
    assert finding("autoplay-and-animations", capture).status == "pass"


def test_autoplay_or_script_started_media_fails():
    autoplay = finding("autoplay-and-animations",
                       page(media=[Media(tag="video", autoplay=True, muted=True, loop=True)]))
    assert autoplay.status == "fail" and "muet, en boucle" in autoplay.evidence[0].detail
    playing = finding("autoplay-and-animations", page(media=[Media(tag="audio", playing=True)]))
    assert playing.status == "fail"


def test_animated_gif_edge_at_100_kib():
    def gif(size):
        return page(req("/a.gif", "image", size=size, sniffed_format="gif", animated=True))
    assert finding("autoplay-and-animations", gif(102_400)).status == "warn"
    result = finding("autoplay-and-animations", gif(102_401))
    assert result.status == "fail"
    assert result.evidence[0].saving_bytes == animated_gif_saving(102_401) == 46_080


def test_animated_gif_saving_formula():
    # round(29.1 × log10(1,000,000) − 100.7) = round(73.9) = 74 %
    assert animated_gif_saving(1_000_000) == 740_000


def test_other_animated_image_warns():
    capture = page(req("/a.webp", "image", sniffed_format="webp", animated=True))
    assert finding("autoplay-and-animations", capture).status == "warn"


def test_autoplay_without_media_facts_is_na():
    assert finding("autoplay-and-animations", page(media=None)).status == "na"
