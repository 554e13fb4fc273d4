"""Write the bundled demo site (src/ecoaudit/demo/site/): a fictional French commune's website.

Run once at authoring time; its output is committed. Deterministic: images come from seeded
drawings, so running it again rewrites the same files.

    .venv/bin/python benchmarks/build_demo_site.py [--out DIR]

`--out DIR` writes it elsewhere (DIR is emptied first), e.g. to compare a rebuild with the shipped
site: `diff -r DIR src/ecoaudit/demo/site`.

The commune, "Valmont-sur-Moselle", is invented. One page (decouvrir-valmont.html) is heavy on
purpose (carousel of oversized JPEGs resized by the browser, an uncompressed PNG map, an animated
GIF, a whole TTF font, a large table); one page (demarches.html) is lean. `sitemap.xml` and
`robots.txt` carry a `{base}` placeholder that the server replaces with its own origin.

The search, the steps of the démarche "Demande d'acte d'état civil" and the espace agents behind
its login are dynamic pages of the demo server (ecoaudit.demo.dynamic); this script writes the
static pages and links that lead to them (demarches.html's search form, demarches/etat-civil.html,
agents/connexion.html, the footer's "Espace agents"), with the paths and names it imports from
there.
"""

from __future__ import annotations

import argparse
import html
import math
import posixpath
import random
import shutil
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont

from ecoaudit.demo.dynamic import (
    AGENT_PASSWORD,
    AGENT_USERNAME,
    LOGIN_FILE,
    LOGIN_MESSAGE_MARKER,
    LOGIN_PATH,
    MAX_QUERY_LENGTH,
    SEARCH_PATH,
    STEP_1,
)

SITE = Path(__file__).resolve().parents[1] / "src" / "ecoaudit" / "demo" / "site"
COMMUNE = "Valmont-sur-Moselle"
FONT_SOURCE = Path("/usr/share/fonts/truetype/dejavu/DejaVuSerif-Bold.ttf")
FONT_LICENCE_SOURCE = Path("/usr/share/doc/fonts-dejavu-core/copyright")
DRAWING_FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")

NAVIGATION = (
    ("index.html", "Accueil"),
    ("actualites.html", "Actualités"),
    ("agenda.html", "Agenda"),
    ("demarches.html", "Démarches"),
    ("conseil-municipal.html", "Conseil municipal"),
    ("decouvrir-valmont.html", "Découvrir Valmont"),
)
FOOTER_LINKS = (
    ("ecoconception.html", "Déclaration d'écoconception"),
    ("accessibilite.html", "Accessibilité : partiellement conforme"),
    ("mentions-legales.html", "Mentions légales"),
    ("plan-du-site.html", "Plan du site"),
    (LOGIN_FILE.lstrip("/"), "Espace agents"),
)


@dataclass(frozen=True)
class Article:
    slug: str
    title: str
    date: str  # ISO
    date_label: str
    summary: str
    paragraphs: tuple[str, ...]
    image_alt: str
    seed: int


ARTICLES = (
    Article(
        slug="renovation-ecole-des-tilleuls",
        title="L'école des Tilleuls rénovée pour la rentrée",
        date="2026-09-01",
        date_label="1er septembre 2026",
        summary="Isolation, ventilation et cour végétalisée : les 212 élèves ont retrouvé une "
        "école plus économe et plus fraîche.",
        paragraphs=(
            "Après quatorze mois de travaux, l'école élémentaire des Tilleuls a rouvert ses "
            "portes le 1er septembre. La façade a été isolée par l'extérieur, les menuiseries "
            "remplacées et une ventilation double flux installée dans les huit classes.",
            "La cour, auparavant entièrement goudronnée, accueille désormais un jardin "
            "pédagogique, trente arbres et des revêtements perméables. Elle sera ouverte aux "
            "habitants du quartier le samedi matin à partir d'octobre.",
            "La consommation d'énergie du bâtiment devrait baisser de 55 %. Le chantier, d'un "
            "montant de 2,4 millions d'euros, a été financé à 40 % par l'État et la Région.",
        ),
        image_alt="Façade rénovée de l'école des Tilleuls, avec sa cour plantée d'arbres",
        seed=11,
    ),
    Article(
        slug="marche-de-noel",
        title="Le marché de Noël s'installe place de la Halle",
        date="2026-11-20",
        date_label="20 novembre 2026",
        summary="Quarante exposants, des producteurs locaux et des animations pour les enfants, "
        "du 28 novembre au 24 décembre.",
        paragraphs=(
            "Le marché de Noël de Valmont-sur-Moselle ouvrira le samedi 28 novembre à 14 heures, "
            "place de la Halle. Quarante chalets accueilleront artisans, producteurs de la "
            "vallée et associations de la commune.",
            "Cette année, l'éclairage des chalets passe entièrement aux LED et la patinoire "
            "synthétique remplace la patinoire réfrigérée : la ville estime l'économie à "
            "18 000 kWh sur la saison.",
            "Navette gratuite depuis les parkings relais le samedi et le dimanche, toutes les "
            "vingt minutes de 14 heures à 20 heures.",
        ),
        image_alt="Chalets illuminés du marché de Noël sur la place de la Halle",
        seed=23,
    ),
    Article(
        slug="nouvelle-piste-cyclable",
        title="Une piste cyclable relie le centre à la gare",
        date="2026-10-05",
        date_label="5 octobre 2026",
        summary="Deux kilomètres séparés de la circulation le long de la Moselle, ouverts depuis "
        "le 5 octobre.",
        paragraphs=(
            "La nouvelle piste cyclable bidirectionnelle longe le quai de la Moselle sur deux "
            "kilomètres, de la place de la Halle à la gare. Elle est séparée de la chaussée "
            "par une bande plantée.",
            "Trente arceaux de stationnement et un abri sécurisé de quarante places ont été "
            "installés devant la gare. L'abri est accessible avec la carte de transport.",
            "Une deuxième tranche, vers la zone d'activités du Breuil, est prévue en 2027 après "
            "concertation avec les riverains.",
        ),
        image_alt="Cyclistes sur la piste cyclable le long du quai de la Moselle",
        seed=37,
    ),
)

EVENTS = (  # ISO date, label, hour, what, where
    ("2026-11-28", "Samedi 28 novembre", "14 h",
     "Ouverture du marché de Noël", "Place de la Halle"),
    ("2026-12-02", "Mercredi 2 décembre", "15 h",
     "Heure du conte", "Médiathèque Louise-Michel"),
    ("2026-12-05", "Samedi 5 décembre", "10 h",
     "Atelier réparation de vélos", "Maison des associations"),
    ("2026-12-08", "Mardi 8 décembre", "18 h 30",
     "Conseil municipal", "Hôtel de ville, salle du conseil"),
    ("2026-12-12", "Samedi 12 décembre", "20 h",
     "Concert de l'harmonie municipale", "Église Saint-Rémi"),
    ("2026-12-13", "Dimanche 13 décembre", "9 h",
     "Course de la Saint-Nicolas", "Parc du Château"),
    ("2026-12-16", "Mercredi 16 décembre", "14 h",
     "Ciné-goûter", "Salle des fêtes"),
    ("2026-12-19", "Samedi 19 décembre", "10 h",
     "Collecte de jouets", "Centre social du Breuil"),
    ("2027-01-09", "Samedi 9 janvier", "11 h",
     "Vœux du maire", "Salle des fêtes"),
    ("2027-01-16", "Samedi 16 janvier", "9 h 30",
     "Réunion publique : piste cyclable du Breuil", "École du Breuil"),
    ("2027-01-23", "Samedi 23 janvier", "14 h",
     "Atelier compostage", "Jardins partagés des Prés"),
    ("2027-02-06", "Samedi 6 février", "20 h 30",
     "Théâtre : « Le Passeur de la Moselle »", "Salle des fêtes"),
)

@dataclass(frozen=True)
class OnlineProcedure:
    """A démarche with its own page on the site (the démarches page links to it)."""

    label: str
    page: str
    note: str  # after the link


ETAT_CIVIL_PAGE = "demarches/etat-civil.html"
ETAT_CIVIL_TITLE = "Demande d'acte d'état civil"

PROCEDURES: tuple[tuple[str, tuple[str | OnlineProcedure, ...]], ...] = (
    ("État civil", (OnlineProcedure("Demander un acte d'état civil en ligne", ETAT_CIVIL_PAGE,
                                    "(naissance, mariage, décès)"),
                    "Déclarer une naissance", "Préparer un mariage ou un PACS")),
    ("Papiers d'identité", ("Carte d'identité et passeport : prendre rendez-vous",
                            "Recensement citoyen à 16 ans")),
    ("Urbanisme", ("Déposer une déclaration préalable de travaux", "Consulter le plan local "
                   "d'urbanisme")),
    ("Enfance", ("Inscrire son enfant à l'école", "Réserver la cantine et le périscolaire")),
    ("Cadre de vie", ("Signaler un problème sur la voie publique", "Demander un bac de "
                      "compostage")),
)


# ---------------------------------------------------------------------------------- drawing


def landscape(width: int, height: int, seed: int, grain: float) -> Image.Image:
    """A photo-like drawing of a river town: sky, hills, houses, river; `grain` adds noise."""
    rng = random.Random(seed)
    image = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(image)
    top = (rng.randint(60, 120), rng.randint(120, 170), rng.randint(190, 235))
    bottom = (rng.randint(200, 240), rng.randint(200, 225), rng.randint(170, 210))
    horizon = int(height * rng.uniform(0.45, 0.6))
    for y in range(horizon):
        t = y / horizon
        colour = tuple(int(a + (b - a) * t) for a, b in zip(top, bottom, strict=True))
        draw.line([(0, y), (width, y)], fill=colour)
    sun_x, sun_y, sun_r = rng.randint(0, width), int(horizon * 0.3), int(min(width, height) * 0.06)
    draw.ellipse([sun_x - sun_r, sun_y - sun_r, sun_x + sun_r, sun_y + sun_r], fill=(255, 236, 180))
    for layer in range(3):
        base = horizon - int(height * (0.12 - layer * 0.04))
        amplitude = height * (0.08 - layer * 0.02)
        phase, frequency = rng.uniform(0, 6), rng.uniform(1.5, 3.5)
        points = [(0, height)]
        for x in range(0, width + 8, 8):
            y = base - amplitude * (0.6 * math.sin(phase + frequency * x / width * math.pi)
                                    + 0.4 * math.sin(phase * 2 + 7 * x / width))
            points.append((x, y))
        points.append((width, height))
        green = (40 + layer * 25 + rng.randint(0, 20), 90 + layer * 20, 40 + layer * 10)
        draw.polygon(points, fill=green)
    river_top = int(height * 0.8)
    draw.rectangle([0, river_top, width, height], fill=(70, 110, 150))
    for _ in range(width // 30):
        x, y = rng.randint(0, width), river_top + rng.randint(5, height - river_top)
        draw.line([(x, y), (x + rng.randint(width // 60, width // 12), y + rng.randint(-2, 2))],
                  fill=(150, 180, 205), width=max(1, height // 300))
    x = rng.randint(0, width // 10)
    while x < width:
        house_width = rng.randint(width // 40, width // 14)
        house_height = rng.randint(height // 14, height // 6)
        ground = river_top - rng.randint(0, height // 40)
        wall = rng.choice([(222, 200, 160), (205, 170, 130), (235, 225, 205), (190, 150, 120)])
        draw.rectangle([x, ground - house_height, x + house_width, ground], fill=wall)
        draw.polygon([(x - 3, ground - house_height), (x + house_width // 2,
                      ground - house_height - house_width // 2),
                      (x + house_width + 3, ground - house_height)], fill=(150, 60, 45))
        for wx in range(x + 4, x + house_width - 8, 14):
            for wy in range(ground - house_height + 6, ground - 10, 18):
                draw.rectangle([wx, wy, wx + 6, wy + 9], fill=(70, 70, 90))
        x += house_width + rng.randint(2, width // 30)
    image = image.filter(ImageFilter.GaussianBlur(radius=max(1, width // 900)))
    if grain > 0:
        noise = Image.effect_noise((width, height), 64).convert("RGB")
        image = Image.blend(image, noise, grain)
    return image


def banner_frames(width: int, height: int, text: str) -> list[Image.Image]:
    """Frames of a scrolling festival banner, for an animated GIF."""
    font = ImageFont.truetype(str(DRAWING_FONT), height // 3)
    frames = []
    colours = [(190, 30, 70), (210, 120, 20), (40, 120, 60), (30, 80, 160)]
    period = int(ImageDraw.Draw(Image.new("RGB", (1, 1))).textlength(text, font=font)) + 80
    for index in range(12):
        frame = Image.new("RGB", (width, height), colours[index % len(colours)])
        draw = ImageDraw.Draw(frame)
        offset = 20 - index * period // 12
        while offset < width:
            draw.text((offset, height // 3), text, fill=(255, 255, 255), font=font)
            offset += period
        for star in range(8):
            sx = (star * width // 8 + index * 9) % width
            draw.ellipse([sx, 6, sx + 8, 14], fill=(255, 230, 120))
        frames.append(frame.convert("P", palette=Image.Palette.ADAPTIVE, colors=64))
    return frames


def partner_logo(index: int, name: str) -> Image.Image:
    """A partner's logo, drawn large (600x300) though shown at 150x75."""
    rng = random.Random(100 + index)
    colour = (rng.randint(20, 200), rng.randint(20, 200), rng.randint(20, 200))
    image = Image.new("RGBA", (600, 300), (255, 255, 255, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle([10, 10, 590, 290], radius=40, outline=colour, width=12)
    draw.ellipse([40, 70, 200, 230], fill=colour)
    font = ImageFont.truetype(str(DRAWING_FONT), 54)
    draw.text((220, 115), name, fill=colour, font=font)
    return image


def town_map(width: int, height: int) -> Image.Image:
    """A detailed town map, saved as an (oversized) PNG."""
    rng = random.Random(7)
    image = Image.new("RGB", (width, height), (236, 232, 220))
    draw = ImageDraw.Draw(image)
    for _ in range(900):
        x, y = rng.randint(0, width), rng.randint(0, height)
        draw.rectangle([x, y, x + rng.randint(6, 26), y + rng.randint(6, 20)],
                       fill=(rng.randint(190, 215), rng.randint(180, 200), rng.randint(165, 185)))
    for _ in range(40):
        draw.line([(rng.randint(0, width), rng.randint(0, height)),
                   (rng.randint(0, width), rng.randint(0, height))], fill=(255, 255, 255), width=6)
    points = [(x, height * 0.55 + 60 * math.sin(x / 140)) for x in range(0, width + 20, 20)]
    draw.line(points, fill=(120, 170, 210), width=40)
    for _ in range(25):
        x, y = rng.randint(0, width), rng.randint(0, height)
        draw.ellipse([x, y, x + 60, y + 45], fill=(150, 200, 140))
    font = ImageFont.truetype(str(DRAWING_FONT), 22)
    for label in ("Hôtel de ville", "Gare", "Médiathèque", "Parc du Château", "Le Breuil",
                  "Place de la Halle", "École des Tilleuls", "Piscine"):
        draw.text((rng.randint(20, width - 200), rng.randint(20, height - 40)), label,
                  fill=(40, 40, 40), font=font)
    noise = Image.effect_noise((width, height), 40).convert("RGB")
    return Image.blend(image, noise, 0.015)


# ---------------------------------------------------------------------------------- the PDF


def pdf_escape(text: str) -> bytes:
    raw = text.encode("cp1252")
    return raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def write_pdf(path: Path, title: str, lines: list[str]) -> None:
    """A one-page A4 PDF with real text (Helvetica, WinAnsi encoding)."""
    content = [b"BT", b"/F2 16 Tf", b"56 780 Td", b"(" + pdf_escape(title) + b") Tj",
               b"/F1 11 Tf", b"0 -30 Td", b"15 TL"]
    for line in lines:
        content.append(b"(" + pdf_escape(line) + b") '")
    content.append(b"ET")
    stream = b"\n".join(content)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R /F2 6 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold "
        b"/Encoding /WinAnsiEncoding >>",
        b"<< /Title (" + pdf_escape(title) + b") /Producer (ecoaudit demo site) >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += (f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R /Info {len(objects)} 0 R >>\n"
            f"startxref\n{xref}\n%%EOF\n").encode()
    path.write_bytes(bytes(out))


# ---------------------------------------------------------------------------------- HTML

LOGO_SVG = (
    '<svg class="logo" width="44" height="48" viewBox="0 0 44 48" aria-hidden="true" '
    'focusable="false"><path d="M2 2h40v22c0 12-9 19-20 22C11 43 2 36 2 24z" fill="#1d4f7a"/>'
    '<path d="M6 30c6-4 10 4 16 0s10 4 16 0" stroke="#fff" stroke-width="3" fill="none"/>'
    '<path d="M12 10l10 12 10-12" stroke="#f2c14e" stroke-width="4" fill="none"/></svg>'
)


def page(
    path: str,
    title: str,
    body: str,
    *,
    description: str,
    current: str | None = None,
    extra_head: str = "",
    extra_end: str = "",
) -> str:
    """A whole page: shared header, navigation and footer around `body`."""
    depth = path.count("/")
    root = "../" * depth
    links = []
    for href, label in NAVIGATION:
        mark = ' aria-current="page"' if href == current else ""
        links.append(f'<li><a href="{link_to(href, path)}"{mark}>{label}</a></li>')
    navigation = "\n        ".join(links)
    footer_links = "\n      ".join(f'<li><a href="{link_to(href, path)}">{label}</a></li>'
                                   for href, label in FOOTER_LINKS)
    return f"""<!DOCTYPE html>
<html lang="fr">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{html.escape(title)} – Ville de {COMMUNE}</title>
  <meta name="description" content="{html.escape(description)}">
  <link rel="stylesheet" href="{root}css/style.css">{extra_head}
</head>
<body>
  <a class="skip" href="#contenu">Aller au contenu</a>
  <header class="site-header">
    <a class="brand" href="{link_to("index.html", path)}">{LOGO_SVG}
      <span>Ville de<br><strong>{COMMUNE}</strong></span></a>
    <nav aria-label="Navigation principale">
      <ul>
        {navigation}
      </ul>
    </nav>
  </header>
  <main id="contenu">
{body}
  </main>
  <footer class="site-footer">
    <p><strong>Mairie de {COMMUNE}</strong> – 1 place de l'Hôtel-de-Ville,
      57999 {COMMUNE} (commune fictive) – <a href="tel:+33300000000">03 00 00 00 00</a></p>
    <p>Ouverture : du lundi au vendredi, 8 h 30 – 12 h et 13 h 30 – 17 h.</p>
    <ul class="footer-links">
      {footer_links}
    </ul>
  </footer>{extra_end}
</body>
</html>
"""


def article_card(article: Article, root: str, lazy: bool) -> str:
    loading = ' loading="lazy"' if lazy else ""
    return f"""      <li class="card">
        <img src="{root}img/vignettes/{article.slug}.webp" width="400" height="225"
             alt=""{loading} decoding="async">
        <h3><a href="{root}actualites/{article.slug}.html">{html.escape(article.title)}</a></h3>
        <p><time datetime="{article.date}">{article.date_label}</time></p>
        <p>{html.escape(article.summary)}</p>
      </li>"""


def home_page() -> str:
    cards = "\n".join(article_card(article, "", lazy=True) for article in ARTICLES)
    upcoming = "\n".join(
        f'      <li><time datetime="{iso}">{label}, {hour}</time> – {html.escape(name)}'
        f" <span class=\"place\">({html.escape(place)})</span></li>"
        for iso, label, hour, name, place in EVENTS[:4]
    )
    body = f"""    <section class="hero">
      <img src="img/accueil-moselle.jpg" width="1280" height="480"
           alt="Les quais de la Moselle et les toits du centre ancien de {COMMUNE}">
      <div class="hero-text">
        <h1>Bienvenue à {COMMUNE}</h1>
        <p>8 400 habitants au bord de la Moselle. Services, démarches et vie locale.</p>
      </div>
    </section>
    <section aria-labelledby="acces-rapides">
      <h2 id="acces-rapides">Accès rapides</h2>
      <ul class="quick">
        <li><a href="demarches.html">Démarches en ligne</a></li>
        <li><a href="agenda.html">Agenda</a></li>
        <li><a href="conseil-municipal.html">Délibérations</a></li>
        <li><a href="decouvrir-valmont.html">Découvrir la ville</a></li>
      </ul>
    </section>
    <section aria-labelledby="a-la-une">
      <h2 id="a-la-une">À la une</h2>
      <ul class="cards">
{cards}
      </ul>
      <p><a href="actualites.html">Toutes les actualités</a></p>
    </section>
    <section aria-labelledby="prochainement">
      <h2 id="prochainement">Prochainement</h2>
      <ul class="events">
{upcoming}
      </ul>
      <p><a href="agenda.html">Tout l'agenda</a></p>
    </section>"""
    return page("index.html", "Accueil", body, current="index.html",
                description=f"Site officiel de la ville de {COMMUNE} (commune fictive).")


def news_page() -> str:
    cards = "\n".join(article_card(article, "", lazy=True) for article in
                      sorted(ARTICLES, key=lambda a: a.date, reverse=True))
    body = f"""    <h1>Actualités</h1>
    <p>Les nouvelles de la commune, des quartiers et des services municipaux.</p>
    <ul class="cards">
{cards}
    </ul>"""
    return page("actualites.html", "Actualités", body, current="actualites.html",
                description="Les actualités de la ville.")


def article_page(article: Article) -> str:
    paragraphs = "\n".join(f"      <p>{html.escape(text)}</p>" for text in article.paragraphs)
    others = "\n".join(
        f'        <li><a href="{other.slug}.html">{html.escape(other.title)}</a></li>'
        for other in ARTICLES if other is not article
    )
    body = f"""    <article>
      <p class="breadcrumb"><a href="../">Accueil</a> ›
        <a href="../actualites.html">Actualités</a></p>
      <h1>{html.escape(article.title)}</h1>
      <p class="meta">Publié le <time datetime="{article.date}">{article.date_label}</time></p>
      <p class="lead">{html.escape(article.summary)}</p>
      <figure>
        <img src="../img/actualites/{article.slug}.webp" width="800" height="450"
             alt="{html.escape(article.image_alt)}" decoding="async">
        <figcaption>{html.escape(article.image_alt)}. Illustration.</figcaption>
      </figure>
{paragraphs}
    </article>
    <aside aria-labelledby="a-lire-aussi">
      <h2 id="a-lire-aussi">À lire aussi</h2>
      <ul>
{others}
      </ul>
    </aside>"""
    return page(f"actualites/{article.slug}.html", article.title, body,
                description=article.summary)


def agenda_page() -> str:
    items = "\n".join(
        f"""      <li class="event">
        <p class="when"><time datetime="{iso}">{label}</time> à {hour}</p>
        <h2>{html.escape(name)}</h2>
        <p class="place">{html.escape(place)}</p>
      </li>"""
        for iso, label, hour, name, place in EVENTS
    )
    body = f"""    <h1>Agenda</h1>
    <p>Les rendez-vous de la commune pour les semaines à venir. Entrée libre sauf mention
      contraire.</p>
    <ol class="agenda">
{items}
    </ol>"""
    return page("agenda.html", "Agenda", body, current="agenda.html",
                description="Les événements à venir.")


def procedure_item(item: str | OnlineProcedure, page: str) -> str:
    if isinstance(item, str):
        return f"      <li>{html.escape(item)}</li>"
    return (f'      <li><a href="{link_to(item.page, page)}">{html.escape(item.label)}</a> '
            f"{html.escape(item.note)}</li>")


def procedures_page() -> str:
    sections = "\n".join(
        f"""    <h2>{html.escape(theme)}</h2>
    <ul>
{chr(10).join(procedure_item(item, "demarches.html") for item in items)}
    </ul>"""
        for theme, items in PROCEDURES
    )
    # The search is a dynamic page of the demo server (ecoaudit.demo.dynamic).
    search = link_to(SEARCH_PATH.lstrip("/"), "demarches.html")
    body = f"""    <h1>Démarches</h1>
    <p>La plupart des démarches se font en ligne sur service-public.fr ou à l'accueil de la
      mairie, sans rendez-vous sauf pour les titres d'identité.</p>
    <form id="recherche" class="recherche" role="search" action="{search}" method="get">
      <label for="q">Rechercher une démarche ou une page du site</label>
      <input type="search" id="q" name="q" maxlength="{MAX_QUERY_LENGTH}" required>
      <button type="submit" id="lancer-recherche">Rechercher</button>
    </form>
{sections}
    <h2>Nous contacter</h2>
    <p>Accueil de la mairie : 03 00 00 00 00, ou par courrier à l'adresse ci-dessous.</p>"""
    return page("demarches.html", "Démarches", body, current="demarches.html",
                description="Les démarches administratives.")


def list_items(texts: tuple[str, ...]) -> str:
    return "\n".join(f"      <li>{html.escape(text)}</li>" for text in texts)


def etat_civil_page() -> str:
    """The démarche's presentation; its steps are dynamic pages of the demo server."""
    page_path = ETAT_CIVIL_PAGE
    lead = ("La mairie délivre gratuitement les copies et extraits des actes de naissance,\n"
            f"      de mariage et de décès enregistrés à {COMMUNE}.")
    who = ("la personne concernée par l'acte, si elle est majeure ;",
           "ses parents, ses grands-parents, ses enfants ou son conjoint ;",
           "pour un extrait sans filiation : toute personne.")
    how = ("Vous choisissez l'acte et la forme du document.",
           "Vous indiquez l'identité de la personne concernée et votre adresse électronique.",
           "Vous recevez un numéro de demande, à rappeler si vous contactez la mairie.")
    delay = ("Le document est envoyé par courrier sous cinq jours ouvrés. Comptez une dizaine de\n"
             "      minutes ; aucune pièce justificative n'est demandée en ligne.")
    at_the_desk = ("Vous préférez venir en mairie ? L'accueil vous reçoit sans rendez-vous aux "
                   "heures\n      d'ouverture indiquées en bas de page.")
    home, demarches = link_to("index.html", page_path), link_to("demarches.html", page_path)
    first_step = link_to(STEP_1.lstrip("/"), page_path)  # a dynamic page of the demo server
    body = f"""    <p class="breadcrumb"><a href="{home}">Accueil</a> › \
<a href="{demarches}">Démarches</a></p>
    <h1>{html.escape(ETAT_CIVIL_TITLE)}</h1>
    <p class="lead">{html.escape(lead)}</p>
    <h2>Qui peut faire la demande ?</h2>
    <ul>
{list_items(who)}
    </ul>
    <h2>Comment se déroule la démarche ?</h2>
    <ol>
{list_items(how)}
    </ol>
    <p>{html.escape(delay)}</p>
    <form class="demarrer" action="{first_step}" method="get">
      <button type="submit" id="commencer">Commencer la démarche</button>
    </form>
    <p>{html.escape(at_the_desk)}</p>"""
    return page(page_path, ETAT_CIVIL_TITLE, body, current="demarches.html",
                description="Demander en ligne une copie ou un extrait d'acte de naissance, de "
                "mariage ou de décès.")


def agents_login_page() -> str:
    """The espace agents' login form. The demo server answers its POST and also serves this
    file as the form's template, replacing LOGIN_MESSAGE_MARKER with the error, if any."""
    page_path = LOGIN_FILE.lstrip("/")
    intro = ("Cet espace est réservé au personnel de la mairie : annuaire interne, notes de "
             "service et\n      planning de l'accueil.")
    action = link_to(LOGIN_PATH.lstrip("/"), page_path)
    body = f"""    <h1>Espace agents</h1>
    <p>{html.escape(intro)}</p>
    <form id="form-connexion" class="formulaire" action="{action}" method="post">
      {LOGIN_MESSAGE_MARKER}
      <p><label for="identifiant">Identifiant</label>
        <input type="text" id="identifiant" name="identifiant" autocomplete="username" required></p>
      <p><label for="mot-de-passe">Mot de passe</label>
        <input type="password" id="mot-de-passe" name="mot_de_passe" \
autocomplete="current-password" required></p>
      <p><button type="submit" id="se-connecter">Se connecter</button></p>
    </form>
    <p>Mot de passe oublié ? Adressez-vous au service informatique, poste 210.</p>"""
    return page(page_path, "Connexion à l'espace agents", body,
                description="Accès réservé au personnel de la mairie.")


def council_page() -> str:
    body = """    <h1>Conseil municipal</h1>
    <p>Le conseil municipal se réunit en séance publique à l'hôtel de ville, en général le
      deuxième mardi du mois à 18 h 30.</p>
    <h2>Prochaine séance</h2>
    <p>Mardi 8 décembre 2026 à 18 h 30, salle du conseil.</p>
    <h2>Délibérations</h2>
    <ul>
      <li><a href="documents/deliberations-2026-10.pdf" type="application/pdf">Relevé des
        délibérations du 13 octobre 2026</a> (PDF, 1 page)</li>
    </ul>
    <h2>Composition</h2>
    <p>27 conseillers municipaux, dont le maire et 7 adjoints.</p>"""
    return page("conseil-municipal.html", "Conseil municipal", body,
                current="conseil-municipal.html", description="Séances et délibérations.")


def ecodesign_page() -> str:
    body = f"""    <h1>Déclaration d'écoconception</h1>
    <p>La ville de {COMMUNE} s'engage à réduire l'empreinte environnementale de son site, en
      suivant le Référentiel général d'écoconception de services numériques (RGESN 2024).</p>
    <h2>État de la démarche</h2>
    <p>Ce site de démonstration est volontairement inégal : la page
      <a href="demarches.html">Démarches</a> est sobre, la page
      <a href="decouvrir-valmont.html">Découvrir Valmont</a> cumule les défauts courants
      (images surdimensionnées, carrousel, police complète, tableau très long).</p>
    <h2>Objectifs</h2>
    <ul>
      <li>Moins de 1 Mo et moins de 40 requêtes par page.</li>
      <li>Images au format WebP, dimensionnées pour leur affichage.</li>
      <li>Aucun service tiers sans consentement.</li>
    </ul>
    <h2>Contact</h2>
    <p>Référent numérique responsable : service communication de la mairie.</p>"""
    return page("ecoconception.html", "Déclaration d'écoconception", body,
                description="Déclaration d'écoconception du site.")


def accessibility_page() -> str:
    body = """    <h1>Accessibilité</h1>
    <p>Ce site est partiellement conforme au RGAA 4.1. Le carrousel de la page « Découvrir
      Valmont » peut être mis en pause ; ses images disposent d'une alternative textuelle.</p>
    <p>Pour signaler un défaut d'accès, écrivez à l'accueil de la mairie.</p>"""
    return page("accessibilite.html", "Accessibilité", body,
                description="Déclaration d'accessibilité.")


def legal_page() -> str:
    body = f"""    <h1>Mentions légales</h1>
    <p>{COMMUNE} est une commune fictive : ce site sert à démontrer l'outil ecoaudit. Les noms,
      adresses et numéros qui y figurent sont inventés.</p>
    <p>Police de caractères DejaVu Serif : licence Bitstream Vera (voir
      <a href="fonts/LICENCE-DejaVu.txt">le texte de la licence</a>).</p>"""
    return page("mentions-legales.html", "Mentions légales", body,
                description="Mentions légales.")


def link_to(target: str, page: str = "index.html") -> str:
    """A link to `target` (a path from the site's root) from `page`, relative to the page's
    folder; the home page is its folder ("./", "../"), the one URL the site gives it (a crawler
    would otherwise see `/` and `/index.html`)."""
    folder = posixpath.dirname(page) or "."
    if target == "index.html":
        up = posixpath.relpath(".", folder)
        return "./" if up == "." else up + "/"
    return posixpath.relpath(target, folder)


def sitemap_page(paths: list[tuple[str, str]]) -> str:
    items = "\n".join(f'      <li><a href="{link_to(path)}">{html.escape(title)}</a></li>'
                      for path, title in paths)
    body = f"""    <h1>Plan du site</h1>
    <ul>
{items}
    </ul>"""
    return page("plan-du-site.html", "Plan du site", body, description="Plan du site.")


FACILITY_KINDS = ("Gymnase", "Salle", "Terrain", "Jardin", "Aire de jeux", "Parking vélos",
                  "Borne de recharge", "Point d'apport volontaire")
STREETS = ("rue des Tilleuls", "quai de la Moselle", "place de la Halle", "rue du Breuil",
           "avenue de la Gare", "rue Saint-Rémi", "chemin des Prés", "rue du Château")


def heavy_page() -> str:
    slides = "\n".join(
        f"""        <li class="slide{' active' if n == 1 else ''}">
          <img src="img/carrousel-{n}.jpg" alt="{alt}">
          <p class="caption">{caption}</p>
        </li>"""
        for n, alt, caption in (
            (1, "Vue panoramique de la vallée depuis le belvédère",
             "La vallée depuis le belvédère"),
            (2, "Le centre ancien et ses maisons à colombages", "Le centre ancien"),
            (3, "Les berges de la Moselle au coucher du soleil", "Les berges de la Moselle"),
        )
    )
    partners = "\n".join(
        f'        <li><img src="img/partenaires/partenaire-{n}.png" width="150" height="75" '
        f'alt="{name}"></li>'
        for n, name in enumerate(PARTNERS, start=1)
    )
    rng = random.Random(5)
    rows = []
    for index in range(1, 141):
        kind = FACILITY_KINDS[index % len(FACILITY_KINDS)]
        street = STREETS[(index * 3) % len(STREETS)]
        rows.append(
            f"          <tr><td>{kind} n° {index}</td><td>{rng.randint(1, 120)} {street}</td>"
            f"<td>{rng.choice(('Centre', 'Le Breuil', 'Les Prés', 'Gare'))}</td>"
            f"<td>{rng.choice(('Oui', 'Non', 'Partiel'))}</td>"
            f"<td>{rng.randint(7, 9)} h – {rng.randint(18, 22)} h</td></tr>"
        )
    table = "\n".join(rows)
    body = f"""    <h1 class="display">Découvrir {COMMUNE}</h1>
    <section class="carousel" aria-roledescription="carrousel" aria-label="Photos de la ville">
      <ul class="slides">
{slides}
      </ul>
      <p class="carousel-controls">
        <button type="button" data-action="previous">Précédente</button>
        <button type="button" data-action="pause">Pause</button>
        <button type="button" data-action="next">Suivante</button>
      </p>
    </section>
    <section>
      <h2 class="display">Fête de la Mirabelle</h2>
      <img src="img/fete-mirabelle.gif" width="720" height="120"
           alt="Bannière animée : Fête de la Mirabelle, fin août">
      <p>Chaque dernier week-end d'août, la ville célèbre la mirabelle : marché, défilé de
        chars et feu d'artifice sur la Moselle.</p>
    </section>
    <section>
      <h2 class="display">Plan de la ville</h2>
      <img src="img/plan-valmont.png" width="700" height="450"
           alt="Plan de la ville avec les principaux équipements">
    </section>
    <section>
      <h2 class="display">Nos partenaires</h2>
      <ul class="partners">
{partners}
      </ul>
    </section>
    <section>
      <h2 class="display">Équipements municipaux</h2>
      <table class="facilities">
        <caption>Liste des équipements, adresses et horaires</caption>
        <thead><tr><th scope="col">Équipement</th><th scope="col">Adresse</th>
          <th scope="col">Quartier</th><th scope="col">Accessible PMR</th>
          <th scope="col">Horaires</th></tr></thead>
        <tbody>
{table}
        </tbody>
      </table>
    </section>"""
    return page(
        "decouvrir-valmont.html", "Découvrir Valmont", body, current="decouvrir-valmont.html",
        description="Photos, plan, fêtes et équipements de la ville.",
        extra_head='\n  <link rel="stylesheet" href="css/decouvrir.css">',
        extra_end='\n  <script src="js/carrousel.js"></script>',
    )


PARTNERS = ("Office de tourisme", "Club nautique", "Harmonie", "Médiathèque", "Amicale du Breuil",
            "Vélo Moselle", "Jardins des Prés", "Comité des fêtes")

STYLE_CSS = """/* Valmont-sur-Moselle: shared style sheet (system fonts, no external assets). */
:root { --blue: #1d4f7a; --gold: #f2c14e; --ink: #1f2328; --paper: #fbfaf7; }
* { box-sizing: border-box; }
body { margin: 0; font: 1rem/1.55 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  color: var(--ink); background: var(--paper); }
a { color: var(--blue); }
a:focus-visible, button:focus-visible { outline: 3px solid var(--gold); outline-offset: 2px; }
.skip { position: absolute; left: -999px; }
.skip:focus { left: 1rem; top: 1rem; background: #fff; padding: .5rem; z-index: 2; }
.site-header { display: flex; flex-wrap: wrap; align-items: center; justify-content: space-between;
  gap: 1rem; padding: .75rem 1.5rem; background: var(--blue); color: #fff; }
.brand { display: flex; align-items: center; gap: .6rem; color: #fff; text-decoration: none;
  line-height: 1.1; }
.site-header nav ul { display: flex; flex-wrap: wrap; gap: .25rem 1.25rem; margin: 0; padding: 0;
  list-style: none; }
.site-header nav a { color: #fff; text-decoration: none; padding: .25rem 0; }
.site-header nav a[aria-current="page"] { border-bottom: 3px solid var(--gold); }
main { max-width: 64rem; margin: 0 auto; padding: 1.5rem; }
h1, h2, h3 { line-height: 1.2; color: var(--blue); }
.hero { position: relative; margin: -1.5rem -1.5rem 1.5rem; }
.hero img { display: block; width: 100%; height: auto; }
.hero-text { position: absolute; left: 1.5rem; bottom: 1.5rem; background: rgba(0, 0, 0, .62);
  color: #fff; padding: .75rem 1.25rem; }
.hero-text h1 { color: #fff; margin: 0; }
.quick { display: flex; flex-wrap: wrap; gap: .75rem; padding: 0; list-style: none; }
.quick a { display: block; padding: .6rem 1rem; border: 2px solid var(--blue);
  border-radius: .4rem; text-decoration: none; font-weight: 600; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(16rem, 1fr)); gap: 1.25rem;
  padding: 0; list-style: none; }
.card { background: #fff; border: 1px solid #ddd; border-radius: .4rem; overflow: hidden; }
.card img { display: block; width: 100%; height: auto; }
.card h3, .card p { margin: .5rem .9rem; }
.events .place, .place { color: #555; }
.agenda { padding: 0; list-style: none; }
.event { border-left: 4px solid var(--gold); padding: .25rem 1rem; margin: 1rem 0;
  background: #fff; }
.event h2 { margin: .2rem 0; font-size: 1.15rem; }
.when { margin: 0; font-weight: 600; }
figure { margin: 1rem 0; }
figure img { max-width: 100%; height: auto; }
figcaption, .meta, .breadcrumb { color: #555; font-size: .9rem; }
.lead { font-size: 1.15rem; }
.site-footer { padding: 1.5rem; background: #e9edf1; font-size: .9rem; }
.footer-links { display: flex; flex-wrap: wrap; gap: .5rem 1.5rem; padding: 0; list-style: none; }
@media print { .site-header nav, .site-footer .footer-links { display: none; } }
/* Forms of the démarches, the search and the espace agents. */
.recherche, .formulaire, .demarrer { margin: 1.25rem 0; }
label { display: block; font-weight: 600; margin-bottom: .2rem; }
fieldset { border: 1px solid #ccc; border-radius: .4rem; margin: 1rem 0; padding: .5rem 1rem; }
fieldset label { display: inline; font-weight: normal; }
input[type="text"], input[type="search"], input[type="email"], input[type="date"],
input[type="password"], select { font: inherit; padding: .35rem .5rem; border: 1px solid #767676;
  border-radius: .25rem; max-width: 100%; }
button { font: inherit; font-weight: 600; padding: .45rem 1.1rem; border: 0; border-radius: .4rem;
  background: var(--blue); color: #fff; cursor: pointer; }
.erreurs { border-left: 4px solid #b3261e; background: #fdecea; padding: .25rem 1rem; }
.confirmation { border-left: 4px solid #2e7d32; background: #edf7ee; padding: .25rem 1rem; }
.etapes { color: #555; }
.agents-nav ul { display: flex; flex-wrap: wrap; gap: .25rem 1.25rem; padding: 0; \
list-style: none; }
table { border-collapse: collapse; width: 100%; background: #fff; }
th, td { border: 1px solid #ddd; padding: .4rem .6rem; text-align: left; }
"""

HEAVY_CSS = """/* Découvrir Valmont: a display font loaded whole, and a carousel. */
@font-face { font-family: "Valmont Display"; src: url("../fonts/DejaVuSerif-Bold.ttf");
  font-weight: 700; }
.display { font-family: "Valmont Display", Georgia, serif; letter-spacing: .02em; }
.carousel { position: relative; }
.slides { position: relative; height: 28rem; margin: 0; padding: 0; list-style: none; }
.slide { position: absolute; inset: 0; opacity: 0; transition: opacity .8s ease; }
.slide.active { opacity: 1; }
.slide img { width: 100%; height: 28rem; object-fit: cover; }
.caption { position: absolute; left: 1rem; bottom: 1rem; margin: 0; padding: .4rem .8rem;
  background: rgba(0, 0, 0, .6); color: #fff; }
.carousel-controls { display: flex; gap: .5rem; }
.carousel-controls button { padding: .4rem .9rem; border: 2px solid var(--blue); background: #fff;
  color: var(--blue); border-radius: .3rem; font: inherit; cursor: pointer; }
.partners { display: flex; flex-wrap: wrap; gap: 1rem; padding: 0; list-style: none; }
.facilities { width: 100%; border-collapse: collapse; font-size: .9rem; }
.facilities th, .facilities td { border: 1px solid #ccc; padding: .3rem .5rem; text-align: left; }
.facilities caption { text-align: left; font-weight: 600; margin-bottom: .5rem; }
"""

CAROUSEL_JS = """// Découvrir Valmont: carousel advancing every 5 s, with previous / pause / next.
(function () {
  "use strict";
  var carousel = document.querySelector(".carousel");
  if (!carousel) { return; }
  var slides = carousel.querySelectorAll(".slide");
  var current = 0;
  var timer = null;

  function show(index) {
    slides[current].classList.remove("active");
    current = (index + slides.length) % slides.length;
    slides[current].classList.add("active");
  }

  function start() { timer = window.setInterval(function () { show(current + 1); }, 5000); }
  function stop() { window.clearInterval(timer); timer = null; }

  carousel.addEventListener("click", function (event) {
    var action = event.target.getAttribute("data-action");
    if (action === "next") { show(current + 1); }
    if (action === "previous") { show(current - 1); }
    if (action === "pause") {
      if (timer) { stop(); event.target.textContent = "Lecture"; }
      else { start(); event.target.textContent = "Pause"; }
    }
  });
  start();
})();
"""


def write_text(site: Path, relative: str, text: str) -> None:
    target = site / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")


def build_images(site: Path) -> None:
    (site / "img" / "actualites").mkdir(parents=True, exist_ok=True)
    (site / "img" / "vignettes").mkdir(parents=True, exist_ok=True)
    (site / "img" / "partenaires").mkdir(parents=True, exist_ok=True)
    landscape(1280, 480, 3, 0.05).save(site / "img" / "accueil-moselle.jpg", quality=78,
                                       optimize=True, progressive=True)
    for article in ARTICLES:
        picture = landscape(800, 450, article.seed, 0.04)
        picture.save(site / "img" / "actualites" / f"{article.slug}.webp", quality=70, method=6)
        picture.resize((400, 225), Image.Resampling.LANCZOS).save(
            site / "img" / "vignettes" / f"{article.slug}.webp", quality=70, method=6)
    for number, seed in ((1, 51), (2, 52), (3, 53)):
        landscape(2600, 1730, seed, 0.035).save(site / "img" / f"carrousel-{number}.jpg",
                                               quality=88)
    town_map(1400, 900).save(site / "img" / "plan-valmont.png")
    frames = banner_frames(720, 120, "Fête de la Mirabelle – 29 et 30 août")
    frames[0].save(site / "img" / "fete-mirabelle.gif", save_all=True, append_images=frames[1:],
                   duration=160, loop=0)
    for number, name in enumerate(PARTNERS, start=1):
        partner_logo(number, name).save(site / "img" / "partenaires" / f"partenaire-{number}.png")


def build_documents(site: Path) -> None:
    (site / "documents").mkdir(parents=True, exist_ok=True)
    write_pdf(
        site / "documents" / "deliberations-2026-10.pdf",
        f"Ville de {COMMUNE} – Conseil municipal du 13 octobre 2026",
        [
            "Relevé des délibérations (commune fictive, document de démonstration).",
            "",
            "2026-41  Budget supplémentaire 2026 : adopté à l'unanimité.",
            "2026-42  Rénovation énergétique du gymnase du Breuil : adopté "
            "(25 pour, 2 abstentions).",
            "2026-43  Piste cyclable du Breuil : lancement de la concertation, adopté.",
            "2026-44  Tarifs de la médiathèque 2027 : gratuité pour les moins de 18 ans, adopté.",
            "2026-45  Stratégie numérique responsable : objectifs 2027, adopté à l'unanimité.",
            "",
            "Affiché en mairie le 15 octobre 2026.",
        ],
    )


def build_font(site: Path) -> None:
    (site / "fonts").mkdir(parents=True, exist_ok=True)
    shutil.copyfile(FONT_SOURCE, site / "fonts" / FONT_SOURCE.name)
    shutil.copyfile(FONT_LICENCE_SOURCE, site / "fonts" / "LICENCE-DejaVu.txt")


def page_list() -> list[tuple[str, str]]:
    """Every HTML page of the site with its title, in sitemap order."""
    pages = [
        ("index.html", "Accueil"),
        ("actualites.html", "Actualités"),
        *[(f"actualites/{a.slug}.html", a.title) for a in ARTICLES],
        ("agenda.html", "Agenda"),
        ("demarches.html", "Démarches"),
        (ETAT_CIVIL_PAGE, ETAT_CIVIL_TITLE),
        ("conseil-municipal.html", "Conseil municipal"),
        ("decouvrir-valmont.html", "Découvrir Valmont"),
        ("ecoconception.html", "Déclaration d'écoconception"),
        ("accessibilite.html", "Accessibilité"),
        ("mentions-legales.html", "Mentions légales"),
        ("plan-du-site.html", "Plan du site"),
        (LOGIN_FILE.lstrip("/"), "Espace agents (connexion)"),
    ]
    return pages


def build_pages(site: Path) -> None:
    write_text(site, "index.html", home_page())
    write_text(site, "actualites.html", news_page())
    for article in ARTICLES:
        write_text(site, f"actualites/{article.slug}.html", article_page(article))
    write_text(site, "agenda.html", agenda_page())
    write_text(site, "demarches.html", procedures_page())
    write_text(site, ETAT_CIVIL_PAGE, etat_civil_page())
    write_text(site, LOGIN_FILE.lstrip("/"), agents_login_page())
    write_text(site, "conseil-municipal.html", council_page())
    write_text(site, "decouvrir-valmont.html", heavy_page())
    write_text(site, "ecoconception.html", ecodesign_page())
    write_text(site, "accessibilite.html", accessibility_page())
    write_text(site, "mentions-legales.html", legal_page())
    write_text(site, "plan-du-site.html", sitemap_page(page_list()))
    write_text(site, "css/style.css", STYLE_CSS)
    write_text(site, "css/decouvrir.css", HEAVY_CSS)
    write_text(site, "js/carrousel.js", CAROUSEL_JS)
    urls = "\n".join(f"  <url><loc>{{base}}/{path.removesuffix('index.html')}</loc></url>"
                     for path, _ in page_list())
    write_text(site, "sitemap.xml", '<?xml version="1.0" encoding="UTF-8"?>\n'
               '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
               f"{urls}\n</urlset>\n")
    write_text(site, "robots.txt",
               f"User-agent: *\nDisallow: {SEARCH_PATH}\n\nSitemap: {{base}}/sitemap.xml\n")
    write_text(site, "README.txt", README)


README = f"""Site de démonstration d'ecoaudit : Ville de Valmont-sur-Moselle (commune fictive).

Generated by benchmarks/build_demo_site.py (run it again to rebuild; output is deterministic).
sitemap.xml and robots.txt contain the placeholder {{base}}: whoever serves the site replaces it
with its origin (e.g. http://127.0.0.1:8123) without a trailing slash.
decouvrir-valmont.html is heavy on purpose; demarches.html is lean.
The font in fonts/ is DejaVu Serif Bold (Bitstream Vera licence, fonts/LICENCE-DejaVu.txt).
Images are drawings generated with Pillow. The PDF is generated by the same script.

Dynamic parts, answered by the demo server (src/ecoaudit/demo/server.py and dynamic.py), not by
files; the static pages and links that lead to them are generated with the rest:
- /recherche?q=... : the search (the form is on demarches.html); robots.txt disallows it.
- the démarche "Demande d'acte d'état civil": demarches/etat-civil.html presents it, then
  /demarches/etat-civil/etape-1, /etape-2 and /confirmation (answers kept in a server-side
  session, cookie valmont_session; a later step reached too early redirects to step 1).
- the espace agents: the login form agents/connexion.html (POST to /agents/connexion), then
  /agents/, /agents/annuaire.html, /agents/notes-de-service.html, /agents/planning.html (only
  with a session, else a redirect to /agents/connexion) and /agents/deconnexion.
  Demo account (a fictional commune, not a secret): {AGENT_USERNAME} / {AGENT_PASSWORD}
The journeys that play these pages are in src/ecoaudit/demo/journeys/.
"""


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=SITE, metavar="DIR",
                        help=f"folder to write the site to, emptied first (default: {SITE})")
    out = parser.parse_args(argv).out
    if out.exists():
        if any(out.iterdir()) and not (out / "README.txt").is_file():
            parser.error(f"{out} is not empty and holds no README.txt of a demo site: "
                         "not emptying it")
        shutil.rmtree(out)
    out.mkdir(parents=True)
    build_pages(out)
    build_images(out)
    build_documents(out)
    build_font(out)
    total = sum(path.stat().st_size for path in out.rglob("*") if path.is_file())
    print(f"Demo site written to {out}: {total / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
