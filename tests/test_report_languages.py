"""One language per report: a French report shows no English wording and an English report no
French wording, rule findings included (evidence, values, reasons, severities, plurals).

The store is real (SQLite): two runs of a site whose pages make every page rule fail, warn or
not apply (tests/report_language_samples.py), written as `crawl` writes them, then the site
report and the collectivité index in each language. Older stored findings, without messages,
still render with the text they were stored with.
"""

from __future__ import annotations

import html as markup
import json
import re
import string
from html.parser import HTMLParser
from pathlib import Path

import pytest

from ecoaudit import rules
from ecoaudit.capture import Capture
from ecoaudit.report import generate_reports
from ecoaudit.report.i18n import messages
from ecoaudit.scoring import score_page
from ecoaudit.store import Store
from tests.report_language_samples import every_rule_pages

LANGUAGES = ("fr", "en")
# Words and phrases that only one of the two languages uses (checked as whole words).
FRENCH_ONLY = (
    "requête", "requêtes", "octet", "octets", "Gravité", "majeure", "mineure", "critique",
    "sans objet", "échec", "avertissement", "conforme", "téléchargée", "affichée", "inutilisés",
    "envoyé", "chargé en HTTP", "avant consentement", "non mis en cache", "non minifié",
    "familles", "variantes", "domaines", "hôte", "hôtes", "erreur", "redirection",
    "profondeur", "éléments", "par vue", "Moyenne mondiale", "Réseau électrique", "fichier",
    "police", "polices", "lecture automatique", "Règles", "Pages concernées", "Économie",
    "et", "la capture", "aucune", "aucun", "terminée", "rien n'est cliqué",
    "feuille de style", "ko", "Comment corriger", "Pourquoi", "Valeur", "Limite", "Preuves",
)
ENGLISH_ONLY = (
    "request", "requests", "byte", "bytes", "Severity", "major", "minor", "critical",
    "not applicable", "Not applicable", "failure", "warning", "passed", "downloaded",
    "displayed", "unused", "uncompressed", "sent", "before consent", "not cacheable",
    "not minified", "families", "variants", "domains", "host", "hosts", "error", "redirect",
    "depth", "elements", "per view", "Global average grid", "French grid", "file", "font",
    "fonts", "playing", "Rules", "Pages affected", "Saving", "and", "the capture", "no page",
    "completed", "nothing clicked", "stylesheet", "kB", "How to fix", "Why", "Value", "Limit",
    "grade", "rating",
)


class _VisibleText(HTMLParser):
    """The text a reader sees, entities decoded; style sheets left out, and code (`<pre>`,
    `<code>`: rule examples, paths) unless `code` is set."""

    SKIPPED = ("style", "pre", "code")

    def __init__(self, code: bool = False) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipped = ("style",) if code else self.SKIPPED
        self.depth = 0

    def handle_starttag(self, tag, attrs):
        self.depth += tag in self.skipped

    def handle_endtag(self, tag):
        self.depth -= tag in self.skipped and self.depth > 0

    def handle_data(self, data):
        if not self.depth:
            self.parts.append(data)


def visible_text(path: Path, *, code: bool = False) -> str:
    """What a page shows, one space for any run of blanks (no-break spaces included); URLs
    are left out (they are the site's, in no language) unless `code` is set."""
    parser = _VisibleText(code)
    parser.feed(path.read_text(encoding="utf-8"))
    text = markup.unescape(" ".join(parser.parts))
    if not code:
        text = re.sub(r"\b(?:https?|data):\S*", " ", text)
    return re.sub(r"\s+", " ", text)


def _found(phrase: str, text: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(phrase)}(?![\w-])", text) is not None


def _fragments(template: str) -> list[str]:
    """The words of a message, between its placeholders (plural forms included)."""
    pieces = []
    for literal, _field, spec, _conversion in string.Formatter().parse(template):
        pieces.append(literal)
        if spec and spec.startswith("plural:"):
            pieces += [form.replace("#", " ") for form in spec[len("plural:"):].split("|")]
    return [piece.strip(" :,.;()«»“”…/") for piece in pieces]


def other_language_phrases(lang: str) -> set[str]:
    """Phrases of the other language's table that this language's table never uses: every
    message that differs between the languages, cut at its placeholders."""
    own, other = messages(lang), messages("en" if lang == "fr" else "fr")
    own_text = "\n".join(own.values())
    phrases = set()
    for key, text in other.items():
        if own.get(key) == text:
            continue
        for piece in _fragments(text):
            if len(piece) >= 4 and re.search(r"[^\W\d_]{3}", piece) and piece not in own_text:
                phrases.add(piece)
    return phrases


def _record(store: Store, captures: list[Capture], *, drop_messages: bool = False) -> int:
    run_id = store.start_run("metz", protocol=captures[0].protocol)
    for capture in captures:
        scored = score_page(capture)
        findings = scored.findings
        if drop_messages:
            findings = [_as_stored_before_messages(finding) for finding in findings]
        store.record_page(run_id, capture=capture, findings=findings, co2=scored.co2)
    site = [finding.to_dict() for finding in rules.evaluate_site(captures)]
    store.record_site_findings(run_id, site)
    store.finish_run(run_id, "completed")
    return run_id


def _as_stored_before_messages(finding: dict) -> dict:
    """A finding as an ecoaudit without messages stored it: text only."""
    old = {key: value for key, value in finding.items()
           if key not in ("value_message", "reason_message")}
    old["evidence"] = [{key: value for key, value in item.items() if key != "message"}
                       for item in finding["evidence"]]
    return old


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Both languages' reports of one store: a site measured twice, every rule finding
    something on the latest run."""
    folder = tmp_path_factory.mktemp("languages")
    pages = every_rule_pages()
    with Store.open(f"sqlite:///{folder / 'ecoaudit.db'}") as store:
        store.upsert_site("metz", title="Metz", group="own",
                          config={"page_views_per_year": 100_000})
        _record(store, pages[:3])
        _record(store, pages)
        return {lang: generate_reports(store, folder / lang, lang=lang).out_dir
                for lang in LANGUAGES}


def _pages(out_dir: Path) -> dict[str, str]:
    return {path.relative_to(out_dir).as_posix(): visible_text(path)
            for path in sorted(out_dir.rglob("*.html"))}


def test_every_rule_finds_something_on_the_sample_pages():
    statuses: dict[str, set[str]] = {}
    for capture in every_rule_pages():
        for finding in rules.evaluate(capture):
            statuses.setdefault(finding.rule, set()).add(finding.status)
    page_rules = [rule.id for rule in rules.load_catalogue() if rule.scope == "page"]
    assert sorted(statuses) == sorted(page_rules)
    assert [rule for rule in page_rules if not statuses[rule] & {"fail", "warn"}] == []
    assert sum("na" in found for found in statuses.values()) >= 10


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_report_shows_no_word_of_the_other_language(reports, lang):
    pages = _pages(reports[lang])
    assert {"index.html", "metz/index.html", "metz/todo.html", "metz/pages/p1.html"} <= set(pages)
    forbidden = set(ENGLISH_ONLY if lang == "fr" else FRENCH_ONLY)
    forbidden |= other_language_phrases(lang)
    assert len(forbidden) > 150  # the tables' own phrases, not only the lists above
    found = {name: sorted(phrase for phrase in forbidden if _found(phrase, text))
             for name, text in pages.items()}
    assert {name: phrases for name, phrases in found.items() if phrases} == {}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_findings_are_shown_in_the_report_language(reports, lang):
    pages = _pages(reports[lang])
    details = " ".join(text for name, text in pages.items() if name.startswith("metz/pages/p"))
    expected = {
        "fr": ["1 attribut src ou href vide", "www.youtube.com : 2 requêtes avant consentement",
               "police, 200\u00a0Ko", "fichier média, 400\u00a0Ko",
               "en-tête Cookie de 1\u202f500 octets",
               "3 familles, 3 variantes", "Règles sans objet",
               "la capture ne contient pas la couverture CSS/JS du navigateur",
               "49 requêtes : 8 css, 8 js, 8 images, 8 polices, 8 médias, 8 json, 1 html",
               "js non minifié : 400 lignes, 30 caractères par ligne"],
        "en": ["1 empty src or href attribute", "www.youtube.com: 2 requests before consent",
               "font, 200 KB", "media, 400 KB", "Cookie header of 1,500 bytes",
               "3 families, 3 variants", "Rules not applicable",
               "the capture does not contain the browser's CSS/JS coverage",
               "49 requests: 8 css, 8 js, 8 images, 8 fonts, 8 media, 8 json, 1 html",
               "js not minified: 400 lines, 30 characters per line"],
    }[lang]
    text = re.sub(r"\s+", " ", details)
    missing = [phrase for phrase in expected if re.sub(r"\s+", " ", phrase) not in text]
    assert missing == []
    todo = pages["metz/todo.html"]
    assert ("Gravité : critique" if lang == "fr" else "Severity: critical") in todo


@pytest.mark.parametrize("lang", LANGUAGES)
def test_rule_examples_with_words_are_shown_in_the_report_language(reports, lang):
    todo = visible_text(reports[lang] / "metz" / "todo.html", code=True)
    catalogue = rules.load_catalogue()
    translated = [rule for rule in catalogue if "good_en" in rule.example
                  and _found(rule.text("title", lang), todo)]
    assert len(translated) >= 3
    for rule in translated:
        shown, hidden = rule.example["good_en"], rule.example["good"]
        if lang == "fr":
            shown, hidden = hidden, shown
        assert re.sub(r"\s+", " ", shown) in todo, rule.id
        assert re.sub(r"\s+", " ", hidden) not in todo, rule.id


@pytest.mark.parametrize("lang", LANGUAGES)
def test_counts_agree_with_their_nouns(reports, lang):
    for name, text in _pages(reports[lang]).items():
        assert not re.search(r"(?<![\d,.\u202f])1 (pages|requêtes|requests|domaines|domains)\b",
                             text), name
        if lang == "en":
            assert not re.search(r"\b0 (page|request|domain)\b", text), name


def test_findings_stored_before_messages_still_render_with_their_text(tmp_path):
    pages = every_rule_pages()[:3]
    with Store.open(f"sqlite:///{tmp_path / 'old.db'}") as store:
        store.upsert_site("metz", title="Metz", group="own")
        _record(store, pages, drop_messages=True)
        [stored] = store.list_runs("metz")
        summaries = store.page_summaries(stored["id"])
        assert all("message" not in item for page in summaries for finding in page["findings"]
                   for item in finding["evidence"])
        written = generate_reports(store, tmp_path / "en", lang="en")
    details = " ".join(visible_text(path) for path in (written.out_dir / "metz").rglob("p*.html"))
    # The English report falls back to the French text these findings were stored with.
    assert "www.youtube.com : 2 requêtes avant consentement" in details
    assert "1 réponse HTTP/1.x, 5 domaines, 2 hôtes statiques" in details
    assert "Severity: critical" in visible_text(written.out_dir / "metz" / "todo.html")


def test_findings_survive_a_json_round_trip_unchanged():
    """What the store keeps is what the rules gave (so `rescore` finds nothing changed)."""
    for capture in every_rule_pages():
        findings = score_page(capture).findings
        assert json.loads(json.dumps(findings)) == findings
