"""Local fixture sites for the report tests, crawled with the real crawler into a real SQLite file.

Site "ville" (own) changes between runs: its heavy page grows (a regression) and a page appears;
site "voisine" is the benchmark; site "ancienne" is crawled once, then dropped from sites.toml;
site "sans-mesure" is in sites.toml but never crawled. One page of "ville" has a title and a URL
that carry markup and a script.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.page_server import Response

ECOAUDIT = str(Path(sys.executable).with_name("ecoaudit"))
QUICK = ["--wait-before", "0", "--wait-after", "0", "--timeout", "20", "--no-coverage"]
HOSTILE_TITLE = "<script>window.pwned = 1</script><b>gras</b>"
HOSTILE_PATH = "/hostile?q=<script>window.pwned=2</script>&x='\""


def _html(title: str, body: str) -> Response:
    return Response(f"<!doctype html><html lang=fr><head><title>{title}</title></head>"
                    f"<body>{body}</body></html>")


def ville_routes(version: int) -> dict[str, Response]:
    links = '<a href="/lourde">lourde</a> <a href="/hostile?q=&lt;script&gt;window.pwned=2' \
            '&lt;/script&gt;&amp;x=\'&quot;">hostile</a>'
    if version >= 2:
        links += ' <a href="/nouvelle">nouvelle</a>'
    heavy_divs = 300 if version == 1 else 1500
    return {
        "/": _html("Accueil de la ville", f"<h1>Ville</h1><p>{links}</p>"),
        "/lourde": _html("Page lourde", "<div>x</div>" * heavy_divs),
        "/hostile": _html("&lt;script&gt;window.pwned = 1&lt;/script&gt;&lt;b&gt;gras&lt;/b&gt;",
                          "<p>Titre piégé</p>"),
        "/nouvelle": _html("Nouvelle page", "<p>Bonjour</p>" * 20),
    }


def voisine_routes() -> dict[str, Response]:
    return {
        "/": _html("Voisine", '<a href="/a">a</a>' + "<p>texte</p>" * 50),
        "/a": _html("Voisine A", "<ul>" + "<li>élément</li>" * 200 + "</ul>"),
    }


SITE = """
[[sites]]
name = "{name}"
title = "{title}"
group = "{group}"
start_urls = ["{url}"]
{extra}
"""
DEFAULTS = """
[defaults]
min_delay = 0
sitemap = false
respect_robots = false
allow_private_addresses = true
documents = false
max_pages = 10
"""


def write_config(path: Path, sites: list[dict[str, str]]) -> Path:
    text = DEFAULTS + "".join(SITE.format(**{"extra": "", **site}) for site in sites)
    path.write_text(text, encoding="utf-8")
    return path


def crawl(db_url: str, config_path: Path, names: list[str], reports: Path) -> str:
    """One run of each named site with `ecoaudit crawl` (which then writes the reports to
    `reports`); returns what the command printed."""
    done = subprocess.run(
        [ECOAUDIT, "crawl", *names, "--config", str(config_path), "--db", db_url,
         "--out", str(reports), "--concurrency", "3", *QUICK],
        capture_output=True, text=True, timeout=180,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout
