"""`ecoaudit rules`: the catalogue listed in French or English, as a table or JSON."""

import json

from click.testing import CliRunner

from ecoaudit.cli import _register, cli
from ecoaudit.rules import load_catalogue

_register()


def _run(*args: str):
    result = CliRunner().invoke(cli, ["rules", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_rules_json_lists_every_rule_with_its_texts():
    listed = json.loads(_run("--json"))
    assert [rule["id"] for rule in listed] == load_catalogue().ids
    weight = next(rule for rule in listed if rule["id"] == "page-weight")
    assert weight["title"] == {"fr": "Poids de la page", "en": "Page weight"}
    assert weight["thresholds"] == {"warn_kb": 1024, "fail_kb": 2048}
    assert weight["references"]["rgesn"] == ["6.1"]


def test_rules_table_is_french_by_default_and_english_on_request():
    french = _run()
    assert "Règles d'écoconception" in french and "Taille du DOM" in french
    english = _run("--lang", "en")
    assert "Eco-design rules" in english and "DOM size" in english
    assert "Taille du DOM" not in english


def test_rules_rgesn_lists_the_78_criteria_with_their_check_mode():
    criteria = json.loads(_run("--rgesn", "--json"))
    assert len(criteria) == 78
    by_number = {c["criterion"]: c for c in criteria}
    assert by_number["6.3"]["check"] == "auto" and "text-compression" in by_number["6.3"]["rules"]
    assert by_number["8.1"]["check"] == "manual" and by_number["8.1"]["rules"] == []


def test_unknown_language_is_refused_in_one_line():
    result = CliRunner().invoke(cli, ["rules", "--lang", "de"])
    assert result.exit_code == 2 and "Invalid value for '--lang'" in result.output
