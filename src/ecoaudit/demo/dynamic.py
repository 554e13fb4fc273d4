"""The demo site's dynamic pages, answered by the demo server rather than read from files.

- `/recherche?q=...`: a search in a small hand-written index of the public pages;
- the démarche "Demande d'acte d'état civil": `/demarches/etat-civil/etape-1`, `etape-2` and
  `confirmation`, whose answers live in a server-side session (the `valmont_session` cookie);
- the espace agents: `/agents/connexion` (the login form, POST), the pages under `/agents/` that
  need a logged-in session, and `/agents/deconnexion`.

Every value a visitor sent is HTML-escaped before it is shown back. The pages link with paths
from the root, where the demo server serves the site. `DynamicSite.respond` turns a `Request`
into a `Response`; speaking HTTP is the server's part.
"""

from __future__ import annotations

import hmac
import re
import secrets
import threading
import time
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from html import escape
from pathlib import Path

SESSION_COOKIE = "valmont_session"
# The espace agents' account. A fictional demo's password, documented in site/README.txt.
AGENT_USERNAME = "agent"
AGENT_PASSWORD = "valmont-demo"

LOGIN_PATH = "/agents/connexion"
LOGIN_FILE = "/agents/connexion.html"  # the static login page, also the template of LOGIN_PATH
LOGIN_MESSAGE_MARKER = "<!-- message -->"
LOGOUT_PATH = "/agents/deconnexion"
AGENTS_HOME = "/agents/"
SEARCH_PATH = "/recherche"
STEP_1 = "/demarches/etat-civil/etape-1"
STEP_2 = "/demarches/etat-civil/etape-2"
CONFIRMATION = "/demarches/etat-civil/confirmation"
MAX_QUERY_LENGTH = 200
MAX_FIELD_LENGTH = 100


@dataclass(frozen=True)
class Request:
    """What the dynamic pages need of an HTTP request."""

    method: str  # GET or POST
    path: str  # without its query
    query: Mapping[str, str] = field(default_factory=dict)
    form: Mapping[str, str] = field(default_factory=dict)  # a POST's urlencoded fields
    session_id: str | None = None  # the session cookie's value


@dataclass
class Response:
    """A dynamic page, or a redirect, and what to do with the session cookie."""

    status: int
    body: bytes = b""
    location: str | None = None
    allow: str | None = None  # for a 405
    cookie: str | None = None  # a session id to set
    clear_cookie: bool = False

    def set_cookie_header(self) -> str | None:
        """The Set-Cookie header's value, if the cookie changes."""
        if self.cookie is not None:
            return f"{SESSION_COOKIE}={self.cookie}; Path=/; HttpOnly; SameSite=Lax"
        if self.clear_cookie:
            return f"{SESSION_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax"
        return None


def redirect(location: str) -> Response:
    """A 303 See Other: the browser GETs `location` next."""
    return Response(303, location=location)


# -- sessions -------------------------------------------------------------------------------------


@dataclass
class Session:
    """One visitor's state: the démarche's answers so far, and the agent logged in."""

    id: str
    last_seen: float
    act: dict[str, str] = field(default_factory=dict)  # step 1: type_acte, format
    identity: dict[str, str] = field(default_factory=dict)  # step 2's fields
    reference: str | None = None  # set when the démarche is submitted
    agent: str | None = None


class SessionStore:
    """The sessions, in memory; each is forgotten `lifetime` seconds after its last request."""

    def __init__(self, lifetime: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.lifetime = lifetime
        self._clock = clock
        self._sessions: dict[str, Session] = {}
        self._lock = threading.Lock()

    def find(self, session_id: str | None) -> Session | None:
        """The live session of that id (its expiry pushed back), or None."""
        if not session_id:
            return None
        with self._lock:
            session = self._sessions.get(session_id)
            now = self._clock()
            if session is None or now - session.last_seen > self.lifetime:
                self._sessions.pop(session_id, None)
                return None
            session.last_seen = now
            return session

    def create(self, previous: Session | None = None) -> Session:
        """A new session under a new id, with `previous`'s state (which is dropped) if given."""
        with self._lock:
            now = self._clock()
            expired = [key for key, s in self._sessions.items()
                       if now - s.last_seen > self.lifetime]
            for key in expired:
                del self._sessions[key]
            session = Session(id=secrets.token_urlsafe(32), last_seen=now)
            if previous is not None:
                self._sessions.pop(previous.id, None)
                session.act, session.identity = previous.act, previous.identity
                session.reference, session.agent = previous.reference, previous.agent
            self._sessions[session.id] = session
            return session

    def drop(self, session_id: str) -> None:
        """Forget one session."""
        with self._lock:
            self._sessions.pop(session_id, None)

    def clear(self) -> None:
        """Forget every session, as if they had all expired."""
        with self._lock:
            self._sessions.clear()


# -- layout ---------------------------------------------------------------------------------------

LOGO = (
    '<svg class="logo" width="44" height="48" viewBox="0 0 44 48" aria-hidden="true" '
    'focusable="false"><path d="M2 2h40v22c0 12-9 19-20 22C11 43 2 36 2 24z" fill="#1d4f7a"/>'
    '<path d="M6 30c6-4 10 4 16 0s10 4 16 0" stroke="#fff" stroke-width="3" fill="none"/>'
    '<path d="M12 10l10 12 10-12" stroke="#f2c14e" stroke-width="4" fill="none"/></svg>'
)
MAIN_NAVIGATION = (
    ("/", "Accueil"), ("/actualites.html", "Actualités"), ("/agenda.html", "Agenda"),
    ("/demarches.html", "Démarches"), ("/conseil-municipal.html", "Conseil municipal"),
    ("/decouvrir-valmont.html", "Découvrir Valmont"),
)
FOOTER_LINKS = (
    ("/ecoconception.html", "Déclaration d'écoconception"),
    ("/accessibilite.html", "Accessibilité : partiellement conforme"),
    ("/mentions-legales.html", "Mentions légales"), ("/plan-du-site.html", "Plan du site"),
    (LOGIN_PATH, "Espace agents"),
)


def link_list(links: tuple[tuple[str, str], ...], current: str | None, indent: str) -> str:
    """`<li><a>` items, the `current` one marked with aria-current."""
    items = []
    for href, label in links:
        mark = ' aria-current="page"' if href == current else ""
        items.append(f'{indent}<li><a href="{href}"{mark}>{escape(label)}</a></li>')
    return "\n".join(items)


def html_page(title: str, main: str, *, section: str | None = None) -> bytes:
    """A whole page of the site: its header, navigation (`section` current) and footer."""
    return f"""<!DOCTYPE html>
<html lang="fr">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{escape(title)} – Ville de Valmont-sur-Moselle</title>
  <link rel="stylesheet" href="/css/style.css">
</head>
<body>
  <a class="skip" href="#contenu">Aller au contenu</a>
  <header class="site-header">
    <a class="brand" href="/">{LOGO}
      <span>Ville de<br><strong>Valmont-sur-Moselle</strong></span></a>
    <nav aria-label="Navigation principale">
      <ul>
{link_list(MAIN_NAVIGATION, section, "        ")}
      </ul>
    </nav>
  </header>
  <main id="contenu">
{main}
  </main>
  <footer class="site-footer">
    <p><strong>Mairie de Valmont-sur-Moselle</strong> – 1 place de l'Hôtel-de-Ville,
      57999 Valmont-sur-Moselle (commune fictive) –
      <a href="tel:+33300000000">03 00 00 00 00</a></p>
    <p>Ouverture : du lundi au vendredi, 8 h 30 – 12 h et 13 h 30 – 17 h.</p>
    <ul class="footer-links">
{link_list(FOOTER_LINKS, None, "      ")}
    </ul>
  </footer>
</body>
</html>
""".encode()


def ok(title: str, main: str, *, section: str | None = None) -> Response:
    """A 200 page."""
    return Response(200, html_page(title, main, section=section))


def not_found() -> Response:
    """The 404 page of a dynamic path."""
    main = ("    <h1>Page introuvable</h1>\n"
            "    <p>Cette adresse ne correspond à aucune page.\n"
            '      <a href="/">Retour à l\'accueil</a></p>')
    return Response(404, html_page("Page introuvable", main))


def error_summary(errors: Mapping[str, str]) -> str:
    """The list of a form's errors, each linking to its field (keyed by the field's id)."""
    if not errors:
        return ""
    items = "\n".join(f'        <li><a href="#{field_id}">{escape(message)}</a></li>'
                      for field_id, message in errors.items())
    return (f'    <div class="erreurs" role="alert" id="erreurs">\n'
            f"      <p>Le formulaire contient {len(errors)} erreur(s) :</p>\n"
            f"      <ul>\n{items}\n      </ul>\n    </div>\n")


# -- search ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IndexEntry:
    """One page of the search index."""

    path: str
    title: str
    summary: str
    keywords: str = ""


SEARCH_INDEX = (
    IndexEntry("/", "Accueil", "La page d'accueil : accès rapides, actualités et rendez-vous.",
               "mairie ville commune"),
    IndexEntry("/demarches.html", "Démarches",
               "Toutes les démarches administratives, en ligne ou à l'accueil de la mairie.",
               "formalités papiers identité passeport urbanisme école cantine"),
    IndexEntry("/demarches/etat-civil.html", "Demande d'acte d'état civil",
               "Demander en ligne une copie ou un extrait d'acte de naissance, de mariage ou de "
               "décès.", "acte naissance mariage décès état civil extrait copie intégrale"),
    IndexEntry("/actualites.html", "Actualités", "Les dernières nouvelles de la commune.",
               "nouvelles informations"),
    IndexEntry("/actualites/renovation-ecole-des-tilleuls.html",
               "L'école des Tilleuls rénovée pour la rentrée",
               "Isolation, ventilation et cour végétalisée pour les élèves des Tilleuls.",
               "école travaux rentrée"),
    IndexEntry("/actualites/marche-de-noel.html", "Le marché de Noël s'installe place de la Halle",
               "Exposants, producteurs locaux et animations pour les enfants en décembre.",
               "noël marché fêtes"),
    IndexEntry("/actualites/nouvelle-piste-cyclable.html",
               "Une piste cyclable relie le centre à la gare",
               "Deux kilomètres le long de la Moselle, séparés de la circulation.",
               "vélo piste cyclable gare mobilité"),
    IndexEntry("/agenda.html", "Agenda", "Les rendez-vous des semaines à venir.",
               "événements sorties animations"),
    IndexEntry("/conseil-municipal.html", "Conseil municipal",
               "Les séances, les délibérations et les élus du conseil municipal.",
               "délibérations élus maire séance"),
    IndexEntry("/decouvrir-valmont.html", "Découvrir Valmont",
               "Histoire, patrimoine et balades à Valmont-sur-Moselle.",
               "tourisme patrimoine fête mirabelle"),
    IndexEntry("/ecoconception.html", "Déclaration d'écoconception",
               "Comment le site limite son empreinte environnementale.",
               "écoconception sobriété numérique environnement"),
    IndexEntry("/accessibilite.html", "Accessibilité", "L'état de conformité du site au RGAA.",
               "accessibilité handicap RGAA"),
    IndexEntry("/mentions-legales.html", "Mentions légales",
               "L'éditeur du site, son hébergement et vos données personnelles.",
               "données personnelles hébergeur éditeur"),
    IndexEntry("/plan-du-site.html", "Plan du site", "Toutes les pages du site.", "pages"),
)
STOP_WORDS = frozenset({
    "au", "aux", "ce", "de", "des", "du", "en", "et", "la", "le", "les", "mon", "ou", "par", "pour",
    "sa", "se", "son", "sur", "un", "une",
})


def search_words(text: str) -> set[str]:
    """The words of `text` that a search compares: no accents, lower case, no plural `s`."""
    plain = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(char for char in plain if not unicodedata.combining(char))
    words = set()
    for word in re.findall(r"[a-z0-9]+", plain):
        if len(word) < 2 or word in STOP_WORDS:
            continue
        words.add(word[:-1] if len(word) > 3 and word.endswith(("s", "x")) else word)
    return words


def search(query: str) -> list[IndexEntry]:
    """The index entries sharing words with `query`, the most words first."""
    wanted = search_words(query)
    scored = []
    for position, entry in enumerate(SEARCH_INDEX):
        score = len(wanted & search_words(f"{entry.title} {entry.summary} {entry.keywords}"))
        if score:
            scored.append((-score, position, entry))
    return [entry for _, _, entry in sorted(scored)]


def search_page(request: Request, session: Session | None) -> Response:
    """The search form, then the results of the query if there is one."""
    query = request.query.get("q", "").strip()[:MAX_QUERY_LENGTH]
    main = f"""    <h1>Rechercher sur le site</h1>
    <form id="recherche" class="recherche" role="search" action="{SEARCH_PATH}" method="get">
      <label for="q">Rechercher une démarche ou une page du site</label>
      <input type="search" id="q" name="q" maxlength="{MAX_QUERY_LENGTH}" value="{escape(query)}"
        required>
      <button type="submit" id="lancer-recherche">Rechercher</button>
    </form>
"""
    if query:
        main += search_results(query, search(query))
    return ok(f"Recherche : {query}" if query else "Recherche", main.rstrip("\n"))


def search_results(query: str, results: list[IndexEntry]) -> str:
    """The section listing `results`, or saying there is none."""
    count = f"{len(results)} résultat{'s' if len(results) > 1 else ''}"
    if not results:
        count = "Aucun résultat"
    items = "\n".join(
        f'        <li><a href="{entry.path}">{escape(entry.title)}</a>\n'
        f"          <p>{escape(entry.summary)}</p></li>" for entry in results)
    listing = f"      <ol>\n{items}\n      </ol>\n" if results else (
        '      <p>Essayez un autre mot, ou consultez le <a href="/plan-du-site.html">plan du '
        "site</a>.</p>\n")
    return (f'    <section id="resultats" aria-labelledby="titre-resultats">\n'
            f'      <h2 id="titre-resultats">{count} pour « {escape(query)} »</h2>\n'
            f"{listing}    </section>\n")


# -- the démarche "Demande d'acte d'état civil" ---------------------------------------------------

ACT_TYPES = {"naissance": "Acte de naissance", "mariage": "Acte de mariage",
             "deces": "Acte de décès"}
ACT_FORMATS = {
    "integrale": "Copie intégrale",
    "extrait-filiation": "Extrait avec filiation",
    "extrait-sans-filiation": "Extrait sans filiation",
    "plurilingue": "Extrait plurilingue",
}
IDENTITY_FIELDS = (  # (id, name, label, input type, autocomplete)
    ("nom", "nom", "Nom de famille", "text", "family-name"),
    ("prenom", "prenom", "Prénom(s)", "text", "given-name"),
    ("date-naissance", "date_naissance", "Date de naissance", "date", "bday"),
    ("courriel", "courriel", "Adresse électronique", "email", "email"),
)
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
DEMARCHE_TITLE = "Demande d'acte d'état civil"


def step_header(number: int, what: str) -> str:
    """The démarche's title and where the visitor is in it."""
    return (f'    <p class="breadcrumb"><a href="/demarches.html">Démarches</a> ›\n'
            f'      <a href="/demarches/etat-civil.html">{escape(DEMARCHE_TITLE)}</a></p>\n'
            f"    <h1>{escape(DEMARCHE_TITLE)}</h1>\n"
            f'    <p class="etapes">Étape {number} sur 2 : {escape(what)}</p>\n')


def step_1_form(answers: Mapping[str, str], errors: Mapping[str, str]) -> str:
    """Step 1: which act (a select) and in which form (radio buttons)."""
    chosen_type = answers.get("type_acte", "")
    options = "\n".join(
        f'          <option value="{value}"{" selected" if value == chosen_type else ""}>'
        f"{escape(label)}</option>" for value, label in ACT_TYPES.items())
    radios = "\n".join(
        f'        <p><input type="radio" id="format-{value}" name="format" value="{value}"'
        f'{" checked" if value == answers.get("format") else ""} required>\n'
        f'          <label for="format-{value}">{escape(label)}</label></p>'
        for value, label in ACT_FORMATS.items())
    intro = step_header(1, "l'acte demandé") + error_summary(errors)
    return f"""{intro}\
    <form id="form-etape-1" class="formulaire" action="{STEP_1}" method="post">
      <p><label for="type-acte">Type d'acte</label>
        <select id="type-acte" name="type_acte" required>
          <option value="">— Choisir un acte —</option>
{options}
        </select></p>
      <fieldset>
        <legend>Forme du document</legend>
{radios}
      </fieldset>
      <p><button type="submit" id="continuer">Continuer</button></p>
    </form>"""


def check_step_1(form: Mapping[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    """Step 1's answers and its errors, keyed by field id."""
    answers = {"type_acte": form.get("type_acte", ""), "format": form.get("format", "")}
    errors = {}
    if answers["type_acte"] not in ACT_TYPES:
        errors["type-acte"] = "Choisissez le type d'acte."
    if answers["format"] not in ACT_FORMATS:
        errors[f"format-{next(iter(ACT_FORMATS))}"] = "Choisissez la forme du document."
    return answers, errors


def step_2_form(act: Mapping[str, str], answers: Mapping[str, str],
                errors: Mapping[str, str]) -> str:
    """Step 2: the identity of the person the act is about, an email address and a consent."""
    fields = []
    for field_id, name, label, kind, autocomplete in IDENTITY_FIELDS:
        invalid = ' aria-invalid="true"' if field_id in errors else ""
        length = "" if kind == "date" else f' maxlength="{MAX_FIELD_LENGTH}"'
        fields.append(
            f'      <p><label for="{field_id}">{escape(label)}</label>\n'
            f'        <input type="{kind}" id="{field_id}" name="{name}" '
            f'value="{escape(answers.get(name, ""))}" autocomplete="{autocomplete}"'
            f'{length} required{invalid}></p>')
    consent = " checked" if answers.get("consentement") == "oui" else ""
    chosen = f"{ACT_TYPES[act['type_acte']]}, {ACT_FORMATS[act['format']].lower()}"
    fields_html = "\n".join(fields)
    intro = step_header(2, "l'identité") + error_summary(errors)
    return f"""{intro}\
    <p>Acte demandé : {escape(chosen)}.
      <a href="{STEP_1}" id="modifier-etape-1">Modifier</a></p>
    <form id="form-etape-2" class="formulaire" action="{STEP_2}" method="post">
{fields_html}
      <p><input type="checkbox" id="consentement" name="consentement" value="oui"{consent} required>
        <label for="consentement">J'accepte que la mairie utilise ces informations pour traiter
          ma demande.</label></p>
      <p><button type="submit" id="envoyer">Envoyer la demande</button></p>
    </form>"""


def check_step_2(form: Mapping[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    """Step 2's answers and its errors, keyed by field id."""
    answers = {name: form.get(name, "").strip()[:MAX_FIELD_LENGTH]
               for _, name, _, _, _ in IDENTITY_FIELDS}
    answers["consentement"] = form.get("consentement", "")
    errors = {}
    if not answers["nom"]:
        errors["nom"] = "Indiquez le nom de famille."
    if not answers["prenom"]:
        errors["prenom"] = "Indiquez le prénom."
    if not valid_birth_date(answers["date_naissance"]):
        errors["date-naissance"] = "Indiquez une date de naissance passée, au format AAAA-MM-JJ."
    if not EMAIL.fullmatch(answers["courriel"]):
        errors["courriel"] = "Indiquez une adresse électronique valide, comme nom@exemple.fr."
    if answers["consentement"] != "oui":
        errors["consentement"] = "Cochez la case pour que la mairie puisse traiter la demande."
    return answers, errors


def valid_birth_date(text: str) -> bool:
    """Whether `text` is an ISO date between 1900 and today."""
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return False
    return date(1900, 1, 1) <= day <= date.today()


def new_reference() -> str:
    """A démarche's number, e.g. VAL-EC-2026-3F9A1C."""
    return f"VAL-EC-{date.today().year}-{secrets.token_hex(3).upper()}"


def confirmation_main(session: Session) -> str:
    """The confirmation: the reference number and a summary of the answers."""
    act, identity = session.act, session.identity
    chosen = f"{ACT_TYPES[act['type_acte']]}, {ACT_FORMATS[act['format']].lower()}"
    person = f"{identity['prenom']} {identity['nom']}"
    return f"""    <h1>Demande enregistrée</h1>
    <div class="confirmation" role="status">
      <p>Votre demande d'acte d'état civil est enregistrée sous le numéro
        <strong id="reference">{escape(session.reference or "")}</strong>.</p>
    </div>
    <h2>Récapitulatif</h2>
    <ul id="recapitulatif">
      <li>{escape(chosen)}</li>
      <li>Au nom de {escape(person)}, né(e) le {escape(identity['date_naissance'])}</li>
      <li>Suivi de la demande à l'adresse {escape(identity['courriel'])}</li>
    </ul>
    <p>Le document part par courrier sous cinq jours ouvrés. Site de démonstration : aucun
      courriel n'est envoyé et aucun acte n'est délivré.</p>
    <p><a href="/">Retour à l'accueil</a></p>"""


# -- the espace agents ----------------------------------------------------------------------------

AGENT_PAGES = (  # (path, title, navigation label)
    (AGENTS_HOME, "Espace agents", "Accueil de l'espace"),
    ("/agents/annuaire.html", "Annuaire interne", "Annuaire"),
    ("/agents/notes-de-service.html", "Notes de service", "Notes de service"),
    ("/agents/planning.html", "Planning de l'accueil", "Planning"),
)
AGENT_CONTENT = {
    AGENTS_HOME: """\
    <p class="lead">Bienvenue dans l'espace réservé au personnel de la mairie.</p>
    <h2>Informations du jour</h2>
    <ul>
      <li>La salle du conseil est réservée jeudi après-midi pour la commission des finances.</li>
      <li>Le copieur du premier étage est en maintenance jusqu'à vendredi.</li>
    </ul>
    <h2>Raccourcis</h2>
    <ul>
      <li><a href="/agents/annuaire.html" id="lien-annuaire">Trouver un collègue</a></li>
      <li><a href="/agents/notes-de-service.html" id="lien-notes">Lire les notes de service</a></li>
      <li><a href="/agents/planning.html" id="lien-planning">Voir le planning de l'accueil</a></li>
    </ul>""",
    "/agents/annuaire.html": """\
    <p>Les postes se composent depuis n'importe quel téléphone de la mairie.</p>
    <table>
      <caption>Services et interlocuteurs</caption>
      <thead><tr><th scope="col">Service</th><th scope="col">Responsable</th>
        <th scope="col">Poste</th></tr></thead>
      <tbody>
        <tr><td>Accueil et état civil</td><td>Claire Humbert</td><td>201</td></tr>
        <tr><td>Urbanisme</td><td>Julien Ferry</td><td>230</td></tr>
        <tr><td>Services techniques</td><td>Nadia Bensaïd</td><td>240</td></tr>
        <tr><td>Enfance et écoles</td><td>Marc Schaller</td><td>250</td></tr>
        <tr><td>Informatique</td><td>Sophie Kieffer</td><td>210</td></tr>
      </tbody>
    </table>""",
    "/agents/notes-de-service.html": """\
    <article>
      <h2>Note 2026-14 : éteindre les postes le soir</h2>
      <p class="meta">Direction générale des services, 3 novembre 2026</p>
      <p>Les ordinateurs, écrans et imprimantes sont éteints en fin de journée, et non mis en
        veille. Les mises à jour se font désormais le mardi à midi.</p>
    </article>
    <article>
      <h2>Note 2026-13 : déplacements professionnels</h2>
      <p class="meta">Ressources humaines, 15 octobre 2026</p>
      <p>Les deux vélos à assistance électrique du garage municipal se réservent à l'accueil.
        Le covoiturage est à privilégier pour les réunions à Metz.</p>
    </article>
    <article>
      <h2>Note 2026-12 : fermeture de fin d'année</h2>
      <p class="meta">Direction générale des services, 1er octobre 2026</p>
      <p>La mairie ferme le 24 décembre à midi. Une permanence de l'état civil est assurée
        le 31 décembre de 9 h à 12 h.</p>
    </article>""",
    "/agents/planning.html": """\
    <table>
      <caption>Permanences de l'accueil, semaine 48</caption>
      <thead><tr><th scope="col">Jour</th><th scope="col">Matin</th>
        <th scope="col">Après-midi</th></tr></thead>
      <tbody>
        <tr><td>Lundi</td><td>Claire H.</td><td>Louis M.</td></tr>
        <tr><td>Mardi</td><td>Louis M.</td><td>Claire H.</td></tr>
        <tr><td>Mercredi</td><td>Inès D.</td><td>Inès D.</td></tr>
        <tr><td>Jeudi</td><td>Claire H.</td><td>Louis M.</td></tr>
        <tr><td>Vendredi</td><td>Inès D.</td><td>Claire H.</td></tr>
      </tbody>
    </table>
    <p>Un échange de permanence se signale au service des ressources humaines la veille.</p>""",
}


def agent_page(path: str, session: Session) -> Response:
    """One protected page, with the espace agents' own navigation and the logout link."""
    title = next(title for page_path, title, _ in AGENT_PAGES if page_path == path)
    navigation = tuple((page_path, label) for page_path, _, label in AGENT_PAGES)
    main = f"""    <nav class="agents-nav" aria-label="Espace agents">
      <ul>
{link_list(navigation, path, "        ")}
        <li><a href="{LOGOUT_PATH}" id="deconnexion">Se déconnecter</a></li>
      </ul>
    </nav>
    <p class="meta">Connecté en tant que « {escape(session.agent or "")} ».</p>
    <h1 id="titre-page">{escape(title)}</h1>
{AGENT_CONTENT[path]}"""
    return ok(title, main)


def credentials_match(username: str, password: str) -> bool:
    """Whether the login form holds the demo account's credentials (compared in constant time)."""
    username_ok = hmac.compare_digest(username.encode(), AGENT_USERNAME.encode())
    password_ok = hmac.compare_digest(password.encode(), AGENT_PASSWORD.encode())
    return username_ok and password_ok


# -- routing --------------------------------------------------------------------------------------

Handler = Callable[[Request, Session | None], Response]


class DynamicSite:
    """The dynamic pages of the demo site `site` (its folder), with their sessions."""

    def __init__(self, site: Path, sessions: SessionStore) -> None:
        self.sessions = sessions
        self._login_template = (site / LOGIN_FILE.lstrip("/")).read_text(encoding="utf-8")
        if LOGIN_MESSAGE_MARKER not in self._login_template:
            raise ValueError(f"{LOGIN_FILE} lacks its {LOGIN_MESSAGE_MARKER} marker")
        self._routes: dict[str, dict[str, Handler]] = {
            SEARCH_PATH: {"GET": search_page},
            STEP_1: {"GET": self._step_1, "POST": self._submit_step_1},
            STEP_2: {"GET": self._step_2, "POST": self._submit_step_2},
            CONFIRMATION: {"GET": self._confirmation},
            LOGIN_PATH: {"GET": self._login, "POST": self._submit_login},
            LOGOUT_PATH: {"GET": self._logout, "POST": self._logout},
        }
        for path, _, _ in AGENT_PAGES:
            self._routes[path] = {"GET": self._protected}

    def handles(self, path: str) -> bool:
        """Whether `path` is answered here: a route, or anything under /agents/ but the
        static login page."""
        return path in self._routes or (path.startswith("/agents/") and path != LOGIN_FILE)

    def respond(self, request: Request) -> Response:
        """The answer to a request for a path that `handles`."""
        session = self.sessions.find(request.session_id)
        methods = self._routes.get(request.path)
        if methods is None:  # under /agents/, but no such page
            return not_found() if session and session.agent else redirect(LOGIN_PATH)
        handler = methods.get(request.method)
        if handler is None:
            return Response(405, allow=", ".join(methods))
        return handler(request, session)

    # The démarche.

    def _step_1(self, request: Request, session: Session | None) -> Response:
        answers = session.act if session else {}
        return ok(DEMARCHE_TITLE, step_1_form(answers, {}), section="/demarches.html")

    def _submit_step_1(self, request: Request, session: Session | None) -> Response:
        answers, errors = check_step_1(request.form)
        if errors:
            return ok(DEMARCHE_TITLE, step_1_form(answers, errors), section="/demarches.html")
        response = redirect(STEP_2)
        if session is None:
            session = self.sessions.create()
            response.cookie = session.id
        session.act, session.reference = answers, None
        return response

    def _step_2(self, request: Request, session: Session | None) -> Response:
        if session is None or not session.act:
            return redirect(STEP_1)
        main = step_2_form(session.act, session.identity, {})
        return ok(DEMARCHE_TITLE, main, section="/demarches.html")

    def _submit_step_2(self, request: Request, session: Session | None) -> Response:
        if session is None or not session.act:
            return redirect(STEP_1)
        answers, errors = check_step_2(request.form)
        if errors:
            main = step_2_form(session.act, answers, errors)
            return ok(DEMARCHE_TITLE, main, section="/demarches.html")
        session.identity, session.reference = answers, new_reference()
        return redirect(CONFIRMATION)

    def _confirmation(self, request: Request, session: Session | None) -> Response:
        if session is None or not session.act:
            return redirect(STEP_1)
        if session.reference is None:
            return redirect(STEP_2)
        return ok("Demande enregistrée", confirmation_main(session), section="/demarches.html")

    # The espace agents.

    def _login_page(self, message: str = "") -> Response:
        paragraph = f'<p class="erreurs" role="alert" id="erreur-connexion">{escape(message)}</p>'
        body = self._login_template.replace(LOGIN_MESSAGE_MARKER, paragraph if message else "")
        return Response(200, body.encode())

    def _login(self, request: Request, session: Session | None) -> Response:
        if session is not None and session.agent:
            return redirect(AGENTS_HOME)
        return self._login_page()

    def _submit_login(self, request: Request, session: Session | None) -> Response:
        username = request.form.get("identifiant", "")
        if not credentials_match(username, request.form.get("mot_de_passe", "")):
            return self._login_page("Identifiant ou mot de passe incorrect.")
        session = self.sessions.create(previous=session)  # a new id: no session fixation
        session.agent = username
        response = redirect(AGENTS_HOME)
        response.cookie = session.id
        return response

    def _logout(self, request: Request, session: Session | None) -> Response:
        if session is not None:
            self.sessions.drop(session.id)
        response = redirect(LOGIN_PATH)
        response.clear_cookie = True
        return response

    def _protected(self, request: Request, session: Session | None) -> Response:
        if session is None or not session.agent:
            return redirect(LOGIN_PATH)
        return agent_page(request.path, session)
