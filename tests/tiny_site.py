"""A generated site of many small pages, cheap to render, for crawls of hundreds of pages in
tests: a home page, `sections` section pages, and `per_section` articles in each (depth 2).

Every page has a title, a paragraph, a shared stylesheet and image, and links to its parent and
siblings, so the crawl meets each page through several links.
"""

from __future__ import annotations

from pathlib import Path

PIXEL_SVG = ('<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8">'
             '<rect width="8" height="8" fill="#2a6"/></svg>')
CSS = "body{font-family:sans-serif;margin:1rem}a{color:#05a}\n"


def _page(title: str, links: list[str], text: str) -> str:
    items = "".join(f'<li><a href="{href}">{href}</a></li>' for href in links)
    return (f'<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>{title}</title>'
            f'<link rel="stylesheet" href="/style.css"></head><body><h1>{title}</h1>'
            f'<img src="/logo.svg" alt="" width="8" height="8"><p>{text}</p>'
            f"<ul>{items}</ul></body></html>")


def tiny_site(root: Path, sections: int = 20, per_section: int = 15) -> list[str]:
    """Write the site under `root`; its page paths (1 + sections × (1 + per_section))."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "style.css").write_text(CSS, encoding="utf-8")
    (root / "logo.svg").write_text(PIXEL_SVG, encoding="utf-8")
    section_paths = [f"/s{number:02d}/index.html" for number in range(sections)]
    paths = ["/index.html"]
    (root / "index.html").write_text(_page("Accueil", section_paths, "Bienvenue."),
                                     encoding="utf-8")
    for number, section in enumerate(section_paths):
        articles = [f"/s{number:02d}/a{article:03d}.html" for article in range(per_section)]
        (root / section.lstrip("/")).parent.mkdir(exist_ok=True)
        (root / section.lstrip("/")).write_text(
            _page(f"Rubrique {number}", ["/index.html", *articles], "Les articles."),
            encoding="utf-8")
        paths.append(section)
        for index, article in enumerate(articles):
            siblings = articles[max(0, index - 1):index] + articles[index + 1:index + 2]
            (root / article.lstrip("/")).write_text(
                _page(f"Article {number}.{index}", [section, *siblings],
                      "Texte de l'article " * (1 + index % 4)), encoding="utf-8")
            paths.append(article)
    return paths
