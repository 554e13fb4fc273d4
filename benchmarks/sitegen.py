"""Generate local test sites for the benchmarks (written under benchmarks/.cache/, never committed).

    counting_pages(root) -> {name: path}, redirects
        one page per EcoIndex counting rule (shadow DOM in its variants: nested roots, SVG in
        roots, slots, templates, iframes in roots, closed roots; SVG, iframe, redirects, 404s,
        late fetch, data: URI, lazy images, big DOM; page icons of every kind and none), for the
        parity benchmark;
    realistic_site(root, pages) -> [paths in breadth-first order from index.html]
        a municipal-looking site of `pages` HTML pages with varied DOM sizes, shared and
        per-section images, CSS and JS, every page reachable from index.html, for throughput.
"""

from __future__ import annotations

import base64
import io
import random
import shutil
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter

SECTIONS = ("actualites", "culture", "sport", "environnement", "urbanisme", "solidarite",
            "education", "transports", "economie", "citoyennete")
WORDS = ("commune", "conseil", "habitants", "quartier", "projet", "travaux", "école", "parc",
         "Moselle", "vélo", "marché", "association", "budget", "jardin", "bibliothèque",
         "concertation", "énergie", "transport", "sport", "culture", "mairie", "enfance")


def picture(width: int, height: int, seed: int, grain: float = 0.03) -> Image.Image:
    """A simple photo-like drawing (gradient, shapes, light noise)."""
    rng = random.Random(seed)
    image = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(image)
    top = tuple(rng.randint(40, 220) for _ in range(3))
    bottom = tuple(rng.randint(40, 220) for _ in range(3))
    for y in range(height):
        t = y / height
        draw.line([(0, y), (width, y)],
                  fill=tuple(int(a + (b - a) * t) for a, b in zip(top, bottom, strict=True)))
    for _ in range(25):
        x, y = rng.randint(0, width), rng.randint(0, height)
        size = rng.randint(width // 20, width // 4)
        colour = tuple(rng.randint(0, 255) for _ in range(3))
        if rng.random() < 0.5:
            draw.ellipse([x, y, x + size, y + size], fill=colour)
        else:
            draw.rectangle([x, y, x + size, y + size // 2], fill=colour)
    image = image.filter(ImageFilter.GaussianBlur(2))
    noise = Image.effect_noise((width, height), 64).convert("RGB")
    return Image.blend(image, noise, grain)


def png_data_uri(size: int = 24) -> str:
    buffer = io.BytesIO()
    Image.new("RGB", (size, size), (29, 79, 122)).save(buffer, "PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def _html(title: str, body: str, head: str = "") -> str:
    return (f'<!DOCTYPE html>\n<html lang="fr">\n<head>\n<meta charset="utf-8">\n'
            f"<title>{title}</title>\n{head}</head>\n<body>\n{body}\n</body>\n</html>\n")


# ---------------------------------------------------------------------------------- parity


def counting_pages(root: Path) -> tuple[dict[str, str], dict[str, str]]:
    """Write one page per counting rule under `root`; return {name: path} and the redirects."""
    if root.exists():
        shutil.rmtree(root)
    (root / "img").mkdir(parents=True)
    for number in range(1, 5):
        picture(640, 400, 900 + number).save(root / "img" / f"photo-{number}.jpg", quality=80)
    (root / "style.css").write_text("body { font-family: sans-serif; margin: 2rem; }\n" * 20)
    (root / "data.json").write_text('{"events": [' + ",".join(['{"id": 1}'] * 400) + "]}")

    pages: dict[str, str] = {}

    def write(name: str, title: str, body: str, head: str = "") -> None:
        (root / name).write_text(_html(title, body, head), encoding="utf-8")
        pages[title] = name

    css = '<link rel="stylesheet" href="style.css">\n'
    shadow_items = "".join(f"<li>élément {n}</li>" for n in range(60))
    write("shadow-dom.html", "shadow DOM", f"""<h1>Shadow DOM</h1>
<fiche-agent></fiche-agent><fiche-agent></fiche-agent>
<script>
customElements.define("fiche-agent", class extends HTMLElement {{
  constructor() {{ super(); this.attachShadow({{mode: "open"}}).innerHTML =
    "<section><h2>Agent</h2><ul>{shadow_items}</ul></section>"; }}
}});
</script>""", css)

    circles = "".join(f'<circle cx="{n * 7 % 300}" cy="{n * 13 % 200}" r="3"/>' for n in range(250))
    write("svg.html", "inline SVG", f"""<h1>SVG</h1>
<svg width="300" height="200" viewBox="0 0 300 200"><g>{circles}</g>
<text x="10" y="20">Plan</text></svg>
<svg width="20" height="20"><rect width="20" height="20"/></svg>""", css)

    (root / "frame-content.html").write_text(_html("cadre", """<h1>Contenu du cadre</h1>
<img src="img/photo-2.jpg" alt="photo"><p>Un document dans un iframe.</p>""",
                                                   '<link rel="stylesheet" href="style.css">\n'))
    write("iframe.html", "iframe with sub-requests", """<h1>Iframe</h1>
<iframe src="frame-content.html" title="cadre" width="600" height="400"></iframe>""", css)

    redirects = {
        "/ancienne-page.html": "/redirect-target.html",
        "/ancienne-photo.jpg": "/img/photo-3.jpg",
        "/ancien-style.css": "/style.css",
    }
    write("redirect-target.html", "redirected page", """<h1>Page déplacée</h1>
<img src="ancienne-photo.jpg" alt="photo déplacée">""",
          '<link rel="stylesheet" href="ancien-style.css">\n')
    pages["redirect (page URL)"] = "ancienne-page.html"

    write("missing-resources.html", "404 sub-resources", """<h1>Ressources manquantes</h1>
<img src="img/absente.jpg" alt="absente"><script src="absent.js"></script>
<img src="img/photo-1.jpg" alt="photo">""", css)

    write("late-fetch.html", "late fetch (2 s after load)", """<h1>Requête tardive</h1>
<p id="etat">en attente</p>
<script>
window.addEventListener("load", function () {
  setTimeout(function () {
    fetch("data.json").then(function (r) { return r.json(); }).then(function (d) {
      document.getElementById("etat").textContent = d.events.length + " événements";
    });
  }, 2000);
});
</script>""", css)

    write("data-uri.html", "data: URI image", f"""<h1>Image en data URI</h1>
<img src="{png_data_uri()}" alt="carré"><img src="img/photo-4.jpg" alt="photo">""", css)

    lazy = "".join(f'<p style="height:900px">Section {n}</p>'
                   f'<img src="img/photo-{n}.jpg" loading="lazy" alt="photo {n}" width="640" '
                   f'height="400">' for n in range(1, 5))
    write("lazy-images.html", "lazy images below the fold", f"<h1>Images différées</h1>{lazy}",
          css)

    rows = "".join(f"<tr><td>{n}</td><td>ligne {n}</td><td><a href='#'>voir</a></td></tr>"
                   for n in range(1000))
    write("big-dom.html", "big DOM (5,009 elements)",
          f"<h1>Grand tableau</h1><table><tbody>{rows}</tbody></table>", css)

    _shadow_pages(write, css)
    _icon_pages(root, write, css)
    return pages, redirects


def _shadow_script(body: str) -> str:
    return f"<script>\n{body}\n</script>"


def _shadow_pages(write, css: str) -> None:
    """Shadow DOM cases of the node count (the reference pierces open roots with CSS `*` but
    subtracts only document-tree <svg> descendants, its XPath not piercing shadow roots)."""
    items = "".join(f"<li>point {n}</li>" for n in range(20))
    write("shadow-nested.html", "shadow DOM: nested open roots", "<h1>Racines imbriquées</h1>"
          '<div id="outer"></div>' + _shadow_script(f"""
const outer = document.getElementById("outer").attachShadow({{mode: "open"}});
outer.innerHTML = '<section><h2>Dehors</h2><div id="inner"></div></section>';
const inner = outer.getElementById("inner").attachShadow({{mode: "open"}});
inner.innerHTML = '<ul>{items}</ul><div id="deepest"></div>';
inner.getElementById("deepest").attachShadow({{mode: "open"}}).innerHTML =
  '<p>tout au fond</p><em>!</em>';"""), css)

    circles = "".join(f'<circle cx="{n * 9 % 200}" cy="{n * 5 % 100}" r="2"></circle>'
                      for n in range(40))
    write("shadow-svg.html", "shadow DOM: SVG inside an open root", "<h1>SVG dans une racine</h1>"
          f'<svg width="200" height="100"><g>{circles}</g></svg><plan-ville></plan-ville>'
          + _shadow_script(f"""
customElements.define("plan-ville", class extends HTMLElement {{
  constructor() {{ super(); this.attachShadow({{mode: "open"}}).innerHTML =
    '<figure><svg width="200" height="100"><g>{circles}</g><text x="5" y="15">Plan</text>' +
    '</svg><figcaption>Plan</figcaption></figure>'; }}
}});"""), css)

    few = "".join(f'<circle cx="{n * 5}" cy="{n * 5}" r="2"></circle>' for n in range(10))
    write("shadow-svg-nested.html", "shadow DOM: SVG in nested open roots",
          '<h1>SVG dans des racines imbriquées</h1><div id="outer"></div>' + _shadow_script(f"""
const outer = document.getElementById("outer").attachShadow({{mode: "open"}});
outer.innerHTML = '<svg width="50" height="50"><g>{few}</g></svg><div id="inner"></div>';
outer.getElementById("inner").attachShadow({{mode: "open"}}).innerHTML =
  '<svg width="50" height="50"><defs><linearGradient id="d"><stop offset="0"></stop>' +
  '<stop offset="1"></stop></linearGradient></defs><rect width="50" height="50"></rect>' +
  '<svg width="10" height="10"><circle r="3"></circle></svg></svg>';"""), css)

    write("shadow-in-foreign-object.html", "shadow DOM: open root under an svg foreignObject",
          '<h1>Racine sous un foreignObject</h1><svg width="300" height="120">'
          '<rect width="300" height="120"></rect><foreignObject width="300" height="120">'
          '<div id="host"><p>contenu clair</p></div></foreignObject></svg>' + _shadow_script("""
document.getElementById("host").attachShadow({mode: "open"}).innerHTML =
  '<p>dans la racine</p><slot></slot><svg width="10" height="10"><g><circle r="2">' +
  '</circle></g></svg>';"""), css)

    write("shadow-slots.html", "shadow DOM: slots with slotted light children",
          '<h1>Slots</h1><carte-service><span slot="titre">État civil</span>'
          "<p>Actes de naissance.</p><p>Mariages.</p><ul><li>lundi</li><li>mardi</li></ul>"
          "</carte-service>" + _shadow_script("""
customElements.define("carte-service", class extends HTMLElement {
  constructor() { super(); this.attachShadow({mode: "open"}).innerHTML =
    '<article><header><slot name="titre"></slot></header><div><slot></slot></div>' +
    '<footer><slot name="vide"><em>rien</em></slot></footer></article>'; }
});"""), css)

    write("template.html", "template and declarative shadow DOM",
          "<h1>Modèles</h1><template id=\"modele\"><article><h2>titre</h2><p>texte</p>"
          "<p>suite</p></article></template><p>après le modèle</p>"
          '<div id="declaratif"><template shadowrootmode="open"><section><p>déclaratif</p>'
          "</section><slot></slot></template><span>clair</span></div>", css)

    write("shadow-iframe.html", "shadow DOM: iframe inside an open root",
          '<h1>Iframe dans une racine</h1><div id="host"></div>' + _shadow_script("""
document.getElementById("host").attachShadow({mode: "open"}).innerHTML =
  '<p>avant</p><iframe src="frame-content.html" title="cadre" width="600" height="300">' +
  '</iframe>';"""), css)

    write("shadow-closed.html", "shadow DOM: closed root", "<h1>Racine fermée</h1>"
          '<div id="host"></div>' + _shadow_script(f"""
const closed = document.getElementById("host").attachShadow({{mode: "closed"}});
closed.innerHTML = '<ul>{items}</ul><div id="inner"></div>';
closed.getElementById("inner").attachShadow({{mode: "open"}}).innerHTML = '<p>ouverte</p>';"""),
          css)


def _icon_pages(root: Path, write, css: str) -> None:
    """One page per way of declaring a page icon, and one declaring none (the browser's default
    /favicon.ico, served with a real file). The headless shell fetches no icon at all; the
    full browser fetches a declared one."""
    icons = root / "icons"
    icons.mkdir(exist_ok=True)
    picture(32, 32, 71).save(icons / "icon-32.png")
    picture(48, 48, 72).save(icons / "shortcut.ico", sizes=[(16, 16), (32, 32), (48, 48)])
    picture(180, 180, 73).save(icons / "apple-touch-icon.png")
    (icons / "icon.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><circle cx="16" cy="16" '
        'r="14" fill="#1d4f7a"/></svg>\n')
    picture(32, 32, 74).save(root / "favicon.ico", sizes=[(16, 16), (32, 32)])
    body = "<h1>Icône</h1><p>Une page et son icône.</p>"
    write("icon-link.html", "icon: <link rel=icon> (PNG)", body,
          css + '<link rel="icon" href="icons/icon-32.png" type="image/png" sizes="32x32">\n')
    write("icon-shortcut.html", "icon: <link rel=\"shortcut icon\">", body,
          css + '<link rel="shortcut icon" href="icons/shortcut.ico">\n')
    write("icon-apple.html", "icon: apple-touch-icon", body,
          css + '<link rel="apple-touch-icon" href="icons/apple-touch-icon.png">\n')
    write("icon-svg.html", "icon: SVG", body,
          css + '<link rel="icon" href="icons/icon.svg" type="image/svg+xml">\n')
    write("icon-none.html", "icon: none declared (/favicon.ico exists)", body, css)


# ---------------------------------------------------------------------------------- throughput

POOL_SIZES = ((1600, 900), (1200, 800), (800, 450), (640, 480), (400, 300), (300, 200))


def _write_assets(root: Path) -> list[str]:
    """Shared images, CSS and JS; return the image paths."""
    (root / "assets").mkdir(parents=True, exist_ok=True)
    images = []
    for number in range(24):
        width, height = POOL_SIZES[number % len(POOL_SIZES)]
        image = picture(width, height, number, grain=0.02 + 0.01 * (number % 4))
        suffix = ("jpg", "webp", "png", "jpg")[number % 4]
        name = f"assets/image-{number:02d}.{suffix}"
        if suffix == "png":
            image = image.resize((width // 2, height // 2))
        image.save(root / name, **({"quality": 80} if suffix != "png" else {}))
        images.append(name)
    rules = "".join(f".bloc-{n} {{ margin: {n % 7}px; padding: {n % 5}px; color: #{n:06x}; }}\n"
                    for n in range(600))
    (root / "assets" / "site.css").write_text("body { font-family: sans-serif; }\n" + rules)
    (root / "assets" / "print.css").write_text("@media print { nav { display: none; } }\n")
    script = "".join(f"function f{n}(x) {{ return x * {n} + {n % 13}; }}\n" for n in range(800))
    (root / "assets" / "site.js").write_text(script + "document.documentElement.dataset.js = 1;\n")
    (root / "assets" / "menu.js").write_text(
        "document.querySelectorAll('nav a').forEach(function (a) { a.title = a.textContent; });\n"
    )
    for section in SECTIONS:
        (root / "assets" / f"{section}.css").write_text(
            "".join(f".{section}-{n} {{ border: {n % 3}px solid; }}\n" for n in range(150)))
    return images


def _paragraph(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."


def _page_body(rng: random.Random, elements: int, images: list[str], links: list[str]) -> str:
    """About `elements` elements of articles, lists and tables, plus the given images and links."""
    parts = []
    budget = elements
    for path in images:
        lazy = ' loading="lazy"' if rng.random() < 0.4 else ""
        parts.append(f'<figure><img src="/{path}" alt="illustration"{lazy}>'
                     f"<figcaption>{_paragraph(rng, 5)}</figcaption></figure>")
        budget -= 3
    parts.append("<ul class='liens'>" + "".join(f'<li><a href="/{link}">{link}</a></li>'
                                               for link in links) + "</ul>")
    budget -= 1 + 2 * len(links)
    while budget > 0:
        kind = rng.random()
        if kind < 0.5:
            parts.append(f"<p class='bloc-{rng.randint(0, 599)}'>{_paragraph(rng, 30)} "
                         f"<strong>{_paragraph(rng, 3)}</strong></p>")
            budget -= 2
        elif kind < 0.8:
            items = rng.randint(3, 12)
            parts.append("<ul>" + "".join(f"<li><span>{_paragraph(rng, 4)}</span></li>"
                                          for _ in range(items)) + "</ul>")
            budget -= 1 + 2 * items
        else:
            rows = rng.randint(5, 40)
            parts.append("<table><tbody>" + "".join(
                f"<tr><td>{n}</td><td>{_paragraph(rng, 3)}</td><td>{rng.randint(1, 99)} €</td>"
                "</tr>" for n in range(rows)) + "</tbody></table>")
            budget -= 2 + 4 * rows
    return "\n".join(parts)


def realistic_site(root: Path, pages: int, seed: int = 2026) -> list[str]:
    """Write a site of `pages` HTML pages; return their paths in breadth-first order."""
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    images = _write_assets(root)
    rng = random.Random(seed)
    sections = list(SECTIONS[: max(1, min(len(SECTIONS), pages // 5))])
    leaves = pages - 1 - len(sections)
    leaf_paths = {section: [] for section in sections}
    for number in range(leaves):
        section = sections[number % len(sections)]
        leaf_paths[section].append(f"{section}/page-{number:04d}.html")
    navigation = "".join(f'<li><a href="/{s}/index.html">{s.capitalize()}</a></li>'
                         for s in sections)

    def write(path: str, title: str, body: str, section: str | None, heavy: bool) -> None:
        head = '<link rel="stylesheet" href="/assets/site.css">\n'
        head += '<link rel="stylesheet" href="/assets/print.css" media="print">\n'
        if section:
            head += f'<link rel="stylesheet" href="/assets/{section}.css">\n'
        end = '<script src="/assets/menu.js"></script>'
        if heavy:
            end += '<script src="/assets/site.js"></script>'
        document = _html(title, f'<header><a href="/index.html">Accueil</a><nav><ul>{navigation}'
                         f"</ul></nav></header>\n<main><h1>{title}</h1>\n{body}\n</main>\n"
                         f"<footer><p>Commune fictive – site de test</p></footer>\n{end}", head)
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(document, encoding="utf-8")

    index_links = [f"{s}/index.html" for s in sections]
    write("index.html", "Accueil", _page_body(rng, 150, images[:2], index_links), None, True)
    order = ["index.html", *index_links]
    for section in sections:
        members = leaf_paths[section]
        write(f"{section}/index.html", section.capitalize(),
              _page_body(rng, 80, images[2:3], members), section, False)
    breadth_first = [path for section in sections for path in leaf_paths[section]]
    for number, path in enumerate(breadth_first):
        section = path.split("/")[0]
        elements = int(min(6000, max(60, rng.lognormvariate(6.2, 0.8))))
        chosen = rng.sample(images, rng.randint(0, 6))
        members = leaf_paths[section]
        here = members.index(path)
        related = [members[(here + step) % len(members)] for step in (1, 2, 3)]
        write(path, f"Page {number} – {section}", _page_body(rng, elements, chosen, related),
              section, rng.random() < 0.5)
    return order + breadth_first
