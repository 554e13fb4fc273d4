"""A small site shaped like a WordPress one, for the crawl's deduplication tests (LocalHttpServer
routes).

    /                               home, canonical "/" (relative: resolved against the page)
    /2024/05/fete-de-la-musique/    the post, canonical itself; its comments' "Reply" links add
                                    ?replytocom=1 and ?replytocom=2, its print link ?print=1
    /?p=12                          the post's shortlink: the post's text in another template (so
                                    not the same HTML), canonical the post; links /plan-du-site/,
                                    which no other page links to
    /mentions-legales/              canonical itself (absolute)
    /partenaire/                    canonical on another host (a syndicated copy): measured
    /plan-du-site/                  no canonical

The home page links the post plainly and through every variant, so a crawl meets them all at the
same depth.
"""

from __future__ import annotations

from collections.abc import Callable

POST = "/2024/05/fete-de-la-musique/"
SHORTLINK = "/?p=12"
REPLY_LINKS = (f"{POST}?replytocom=1", f"{POST}?replytocom=2")
PRINT_LINK = f"{POST}?print=1"
MEASURED_PATHS = ["/", POST, "/mentions-legales/", "/partenaire/", "/plan-du-site/"]

HTML = {"Content-Type": "text/html; charset=UTF-8"}
Answer = tuple[int, dict[str, str], str]


def _page(title: str, body: str, *, canonical: str | None, template: str = "page") -> str:
    head = f'<link rel="canonical" href="{canonical}">' if canonical is not None else ""
    return (f'<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>{title} – Ville '
            f'de Test</title>{head}<link rel="shortlink" href="/?p=12"></head>'
            f'<body class="{template}"><header><a href="/">Ville de Test</a></header>'
            f"<main>{body}</main></body></html>")


def _post_body() -> str:
    comments = "".join(
        f'<li id="comment-{n}"><p>Commentaire {n}</p>'
        f'<a class="comment-reply-link" href="{POST}?replytocom={n}#respond">Répondre</a></li>'
        for n in (1, 2))
    return (f"<article><h1>Fête de la musique</h1><p>Le 21 juin, place de la mairie.</p>"
            f'<a href="{PRINT_LINK}">Imprimer</a></article><ol class="comments">{comments}</ol>')


def routes(base: Callable[[], str]) -> dict[str, Callable[[str], Answer]]:
    """The site's routes; `base()` gives the server's origin once it listens (for absolute
    canonical URLs)."""
    home_links = "".join(f'<li><a href="{href}">{href}</a></li>' for href in (
        POST, *REPLY_LINKS, SHORTLINK, PRINT_LINK, "/mentions-legales/", "/partenaire/"))
    return {
        "/": lambda _path: (200, HTML, _page(
            "Accueil", f"<ul>{home_links}</ul>", canonical="/", template="home")),
        POST: lambda _path: (200, HTML, _page(
            "Fête de la musique", _post_body(), canonical=base() + POST, template="single")),
        SHORTLINK: lambda _path: (200, HTML, _page(
            "Fête de la musique", _post_body() + '<a href="/plan-du-site/">Plan du site</a>',
            canonical=base() + POST, template="single shortlink")),
        "/mentions-legales/": lambda _path: (200, HTML, _page(
            "Mentions légales", "<p>Éditeur : la mairie.</p>",
            canonical=base() + "/mentions-legales/")),
        "/partenaire/": lambda _path: (200, HTML, _page(
            "Partenaire", "<p>Article repris du site du partenaire.</p>",
            canonical="https://partenaire.example.org/article/")),
        "/plan-du-site/": lambda _path: (200, HTML, _page(
            "Plan du site", f'<a href="{POST}">La fête</a>', canonical=None)),
    }
