"""Checks of the bundled demo site's files: links resolve, images are real, HTML is well formed."""

from __future__ import annotations

import html.parser
import re
import xml.etree.ElementTree as ElementTree
from importlib.resources import files
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from bs4 import BeautifulSoup
from PIL import Image

SITE = Path(str(files("ecoaudit.demo") / "site"))
PAGES = sorted(SITE.rglob("*.html"))
VOID_ELEMENTS = {
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
    "track", "wbr",
}
# Elements whose end tag HTML lets an author omit: not used by the demo site, so not allowed.
SVG_SELF_CLOSING_ALLOWED = {"path", "circle", "rect", "line", "polygon", "ellipse"}


def page_id(path: Path) -> str:
    return str(path.relative_to(SITE))


def soup_of(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def local_target(page: Path, reference: str) -> tuple[Path, str] | None:
    """The file and fragment a relative reference points to, None for other schemes."""
    parts = urlsplit(reference)
    if parts.scheme or parts.netloc:
        return None
    target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
    if target.is_dir():  # "./" and "../": the folder's index page, as the server answers
        target = target / "index.html"
    return target, parts.fragment


class BalanceChecker(html.parser.HTMLParser):
    """Records tags that are closed out of order or never closed."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open_tags: list[str] = []
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag not in VOID_ELEMENTS:
            self.open_tags.append(tag)

    def handle_startendtag(self, tag: str, attrs: list) -> None:
        if tag not in VOID_ELEMENTS and tag not in SVG_SELF_CLOSING_ALLOWED:
            self.problems.append(f"<{tag}/> is not a void element")

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID_ELEMENTS:
            return
        if not self.open_tags or self.open_tags[-1] != tag:
            expected = self.open_tags[-1] if self.open_tags else "nothing"
            self.problems.append(f"</{tag}> closes {expected} (line {self.getpos()[0]})")
            return
        self.open_tags.pop()


def test_demo_site_is_shipped_as_package_data_with_its_main_pages() -> None:
    names = {page_id(page) for page in PAGES}
    assert {"index.html", "actualites.html", "agenda.html", "demarches.html",
            "decouvrir-valmont.html", "ecoconception.html"} <= names
    assert len([name for name in names if name.startswith("actualites/")]) >= 3


def test_demo_site_stays_under_four_megabytes() -> None:
    total = sum(path.stat().st_size for path in SITE.rglob("*") if path.is_file())
    assert total < 4_000_000


@pytest.mark.parametrize("page", PAGES, ids=page_id)
def test_page_html_is_well_formed(page: Path) -> None:
    checker = BalanceChecker()
    checker.feed(page.read_text(encoding="utf-8"))
    checker.close()
    assert checker.problems == []
    assert checker.open_tags == []


@pytest.mark.parametrize("page", PAGES, ids=page_id)
def test_every_link_and_asset_of_a_page_resolves(page: Path) -> None:
    soup = soup_of(page)
    references = [a["href"] for a in soup.find_all("a", href=True)]
    references += [link["href"] for link in soup.find_all("link", href=True)]
    references += [tag["src"] for tag in soup.find_all(["img", "script"], src=True)]
    assert references
    broken = []
    for reference in references:
        resolved = local_target(page, reference)
        if resolved is None:
            continue
        target, fragment = resolved
        missing_file = not target.is_file() or SITE.resolve() not in target.parents
        if missing_file or (fragment and not soup_of(target).find(id=fragment)):
            broken.append(reference)
    assert broken == []


@pytest.mark.parametrize("page", PAGES, ids=page_id)
def test_page_has_french_language_navigation_and_ecodesign_link(page: Path) -> None:
    soup = soup_of(page)
    assert soup.html["lang"] == "fr"
    assert soup.title and soup.title.string.strip()
    assert soup.find("nav") and soup.find("main") and soup.find("footer")
    assert len(soup.find_all("h1")) == 1
    footer_links = [a.get_text() for a in soup.find("footer").find_all("a")]
    assert "Déclaration d'écoconception" in footer_links


@pytest.mark.parametrize("page", PAGES, ids=page_id)
def test_every_image_has_an_alt_attribute(page: Path) -> None:
    assert all(img.has_attr("alt") for img in soup_of(page).find_all("img"))


def test_every_image_file_is_a_real_image_in_its_declared_format() -> None:
    expected_formats = {".jpg": "JPEG", ".png": "PNG", ".gif": "GIF", ".webp": "WEBP"}
    images = [path for path in SITE.rglob("*") if path.suffix in expected_formats]
    assert len(images) >= 10
    for path in images:
        with Image.open(path) as image:
            image.verify()
        with Image.open(path) as image:
            assert image.format == expected_formats[path.suffix], path


def test_heavy_page_has_eager_oversized_carousel_images_and_an_animated_gif() -> None:
    soup = soup_of(SITE / "decouvrir-valmont.html")
    carousel = soup.select(".carousel img")
    assert len(carousel) >= 3
    assert not soup.find("img", loading="lazy")
    for img in carousel:
        with Image.open(SITE / img["src"]) as picture:
            assert picture.width >= 2000  # shown about 1000 px wide: oversized on purpose
    with Image.open(SITE / "img" / "fete-mirabelle.gif") as banner:
        assert banner.n_frames > 1
    assert soup.find("script", src="js/carrousel.js")


def test_lean_page_loads_only_its_stylesheet() -> None:
    soup = soup_of(SITE / "demarches.html")
    assert soup.find_all("img") == []
    assert soup.find_all("script") == []
    assert [link["href"] for link in soup.find_all("link", rel="stylesheet")] == ["css/style.css"]


def test_lazy_loading_is_used_on_news_thumbnails_only() -> None:
    assert soup_of(SITE / "actualites.html").find_all("img", loading="lazy")
    assert soup_of(SITE / "index.html").find_all("img", loading="lazy")


def test_web_font_is_a_truetype_file_with_its_licence() -> None:
    font = SITE / "fonts" / "DejaVuSerif-Bold.ttf"
    assert font.read_bytes()[:4] == b"\x00\x01\x00\x00"
    assert "bitstream-vera" in (SITE / "fonts" / "LICENCE-DejaVu.txt").read_text().lower()
    assert 'url("../fonts/DejaVuSerif-Bold.ttf")' in (SITE / "css" / "decouvrir.css").read_text()


def test_linked_pdf_is_a_real_pdf_with_a_valid_cross_reference_table() -> None:
    pdf = (SITE / "documents" / "deliberations-2026-10.pdf").read_bytes()
    assert pdf.startswith(b"%PDF-1.") and pdf.rstrip().endswith(b"%%EOF")
    start = int(re.search(rb"startxref\s+(\d+)", pdf).group(1))
    assert pdf[start:start + 4] == b"xref"
    offsets = [int(offset) for offset in re.findall(rb"(\d{10}) 00000 n", pdf)]
    assert offsets
    for number, offset in enumerate(offsets, start=1):
        assert pdf[offset:].startswith(f"{number} 0 obj".encode())
    assert b"/Type /Page " in pdf and b"Tj" in pdf


def test_sitemap_lists_every_page_under_the_base_placeholder() -> None:
    text = (SITE / "sitemap.xml").read_text(encoding="utf-8")
    root = ElementTree.fromstring(text.replace("{base}", "http://127.0.0.1:8000"))
    namespace = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
    locations = {loc.text for loc in root.iter(f"{namespace}loc")}
    expected = {f"http://127.0.0.1:8000/{page_id(page).removesuffix('index.html')}"
                for page in PAGES}
    assert locations == expected  # the home page once, as "/", the way its links name it


def test_robots_txt_points_to_the_sitemap_through_the_placeholder() -> None:
    text = (SITE / "robots.txt").read_text(encoding="utf-8")
    assert "Sitemap: {base}/sitemap.xml" in text
    assert "User-agent: *" in text
