"""The French and English wording cover the same keys, every key the templates use exists, and
the rules' messages render in both languages with their plurals."""

from __future__ import annotations

import re
import string
from importlib import resources

import pytest

from ecoaudit.report.i18n import Translator, messages
from ecoaudit.rules.messages import Message, message, render

TEMPLATES = resources.files("ecoaudit") / "templates" / "report"


def test_french_and_english_have_the_same_keys():
    assert set(messages("fr")) == set(messages("en"))


def test_every_key_used_by_a_template_exists():
    used = set()
    for template in TEMPLATES.iterdir():
        if template.name.endswith(".html"):
            used |= set(re.findall(r"""\bt\(["']([a-z0-9_]+)["']""", template.read_text("utf-8")))
    assert used, "no t(...) call found"
    prefixes = {key for key in used if key.endswith("_")}  # t("status_" ~ status) and the like
    known = set(messages("fr"))
    assert used - prefixes - known == set()
    assert all(any(name.startswith(prefix) for name in known) for prefix in prefixes)


# -- what the rules say: message keys with parameters, plurals ---------------------------------

SAMPLE_BY_SPEC = {"kb": 48_000, "n": 0.25, ".0f": 1.5, ".1f": 1.25, ".2f": 0.125}
ALL_LABEL_PREFIXES = re.compile(r"""\bt\.label\(["']([a-z0-9_]+)["']""")


def _fields(text: str) -> dict[str, str]:
    """{placeholder name: format spec} of one message, nested fields of a spec included."""
    found = {}
    for _literal, name, spec, _conversion in string.Formatter().parse(text):
        if name is not None:
            found[name] = spec or ""
            found.update(_fields(spec or ""))
    return found


def _sample(name: str, spec: str) -> object:
    if spec.startswith(("plural:", "count_of:")):
        return 2
    if spec.startswith("term:"):
        table = spec.split(":", 1)[1]
        return next(key.split(".", 1)[1] for key in messages("fr")
                    if key.startswith(table + "."))
    return SAMPLE_BY_SPEC.get(spec, f"<{name}>")


def _placeholders(text: str) -> dict[str, str]:
    """{name: spec}, plural forms left out (they are words of the language)."""
    return {name: "plural" if spec.startswith("plural:") else spec
            for name, spec in _fields(text).items()}


def test_every_message_has_the_same_placeholders_in_both_languages():
    french, english = messages("fr"), messages("en")
    different = {key for key in french
                 if _placeholders(french[key]) != _placeholders(english[key])}
    assert different == set()


def test_every_rule_message_renders_in_both_languages():
    rule_keys = [key for key in messages("fr")
                 if key.split(".", 1)[0] in ("evidence", "reason", "outcome")]
    assert len(rule_keys) > 50
    for key in rule_keys:
        params = {name: _sample(name, spec) for name, spec in _fields(messages("fr")[key]).items()}
        params["kind"] = "font"
        for lang in ("fr", "en"):
            text = render(Message(key, params), lang)
            assert text and "{" not in text and "#" not in text, (key, lang, text)


def test_every_label_prefix_of_a_template_has_wording():
    used = set()
    for template in TEMPLATES.iterdir():
        if template.name.endswith(".html"):
            used |= set(ALL_LABEL_PREFIXES.findall(template.read_text("utf-8")))
    assert used >= {"severity_", "run_state_", "cache_", "consent_", "request_type_"}
    assert all(any(key.startswith(prefix) for key in messages("fr")) for prefix in used)


@pytest.mark.parametrize(("lang", "expected"), [
    ("fr", ["0 page", "1 page", "2 pages", "1\u202f500 pages"]),
    ("en", ["0 pages", "1 page", "2 pages", "1,500 pages"]),
])
def test_page_counts_agree_in_each_language(lang, expected):
    t = Translator(lang)
    assert [t("pages_count", count=n) for n in (0, 1, 2, 1500)] == expected


def test_rule_counts_agree_in_each_language():
    def said(lang: str, count: int) -> str:
        return render(message("evidence.before_consent", host="h", count=count), lang)

    assert [said("fr", n) for n in (0, 1, 2)] == [
        "h : 0 requête avant consentement", "h : 1 requête avant consentement",
        "h : 2 requêtes avant consentement"]
    assert [said("en", n) for n in (0, 1, 2)] == [
        "h: 0 requests before consent", "h: 1 request before consent",
        "h: 2 requests before consent"]
    kinds = message("evidence.request_count", count=3, by_kind=[
        message("evidence.kind_count", count=2, kind="font"),
        message("evidence.kind_count", count=1, kind="image")])
    assert render(kinds, "fr") == "3 requêtes : 2 polices, 1 image"
    assert render(kinds, "en") == "3 requests: 2 fonts, 1 image"


def test_numbers_and_sizes_follow_the_report_language():
    said = message("evidence.overweight_per_pixel", format="png", bytes=600_000, per_pixel=5.0)
    assert render(said) == "png 600.0 ko, 5.00 octet/pixel"  # the text stored with a finding
    assert Translator("fr").message(said.to_dict()) == "png 600\u00a0Ko, 5,00 octet/pixel"
    assert Translator("en").message(said.to_dict()) == "png 600\u00a0KB, 5.00 bytes/pixel"


def test_severities_and_stored_codes_are_worded_in_each_language():
    fr, en = Translator("fr"), Translator("en")
    assert [fr.label("severity_", s) for s in ("critical", "major", "minor", "info")] == [
        "critique", "majeure", "mineure", "information"]
    assert [en.label("severity_", s) for s in ("critical", "major", "minor", "info")] == [
        "critical", "major", "minor", "information"]
    assert fr.label("run_state_", "completed") == "terminée"
    assert fr.label("severity_", "blocker") == "blocker"  # unknown code: shown as stored
    assert fr.label("severity_", None) == "–"


def test_a_stored_message_this_version_cannot_render_falls_back_to_its_text():
    t = Translator("en")
    assert t.message(None, "texte stocké") == "texte stocké"
    assert t.message({"key": "evidence.from_a_later_version", "params": {}}, "texte") == "texte"
    assert t.message({"key": "evidence.http_error", "params": {}}, "erreur HTTP 404") == (
        "erreur HTTP 404")  # a parameter missing
    assert t.message({"key": "evidence.http_error", "params": {"status": 404}}, "x") == (
        "HTTP error 404")
