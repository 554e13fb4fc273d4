"""The rule catalogue: every rule file is valid and has a check; bad files stop with a message
naming the file, the rule and the key; docs/rules.md stays in sync; the catalogue has one copy."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from ecoaudit.errors import ConfigError
from ecoaudit.rules import load_catalogue
from ecoaudit.rules.docs import DOCS_FILE, render_markdown
from ecoaudit.rules.engine import RULE_DIRECTORY
from ecoaudit.rules.registry import registered_checks

PRIORITY_RULES = {
    "page-weight", "request-count", "dom-size", "ecoindex-grade", "third-parties-before-consent",
    "text-compression", "cache-headers", "modern-image-formats", "images-resized-in-browser",
    "bitmap-overweight", "offscreen-images", "autoplay-and-animations", "web-fonts",
    "http2-and-domains", "http-errors-redirects", "minified-css-js", "unused-css-js", "cookies",
    "social-widgets-plugins", "co2-per-view",
}


def test_catalogue_covers_the_twenty_priority_rules():
    catalogue = load_catalogue()
    assert set(catalogue.ids) >= PRIORITY_RULES


def test_every_rule_has_french_and_english_texts_and_rgesn_criteria():
    for rule in load_catalogue():
        for key in ("title", "checks", "why", "fix"):
            assert rule.text(key, "fr") and rule.text(key, "en")
        assert rule.rgesn
        assert rule.example["good"]


def test_every_rule_has_its_check_function_with_the_same_scope():
    checks = registered_checks()
    for rule in load_catalogue():
        assert checks[rule.id].scope == rule.scope


def test_docs_rules_md_is_generated_from_the_rule_files():
    expected = render_markdown(load_catalogue())
    assert DOCS_FILE.read_text(encoding="utf-8") == expected, (
        "docs/rules.md is out of date: run `python -m ecoaudit.rules.docs`")


def test_the_catalogue_has_one_copy_the_repositorys_rules_folder():
    repository = Path(__file__).resolve().parents[1]
    assert Path(os.path.realpath(RULE_DIRECTORY)) == repository / "rules"
    tracked = subprocess.run(["git", "ls-files", "*.toml"], capture_output=True, text=True,
                             cwd=repository, check=True).stdout.split()
    names = [Path(path).name for path in tracked]
    for rule_file in (repository / "rules").glob("*.toml"):
        assert names.count(rule_file.name) == 1, f"{rule_file.name} is in git more than once"


@pytest.fixture
def rule_dir(tmp_path: Path) -> Path:
    """A copy of the real catalogue to break."""
    directory = tmp_path / "rules"
    shutil.copytree(RULE_DIRECTORY, directory)
    return directory


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _error(directory: Path) -> str:
    with pytest.raises(ConfigError) as caught:
        load_catalogue(directory)
    return str(caught.value)


def test_unknown_key_names_file_rule_and_key(rule_dir):
    _edit(rule_dir / "page-weight.toml", 'severity = "major"', 'severity = "major"\ncolour = 1')
    message = _error(rule_dir)
    assert "page-weight.toml" in message and "'page-weight'" in message and "'colour'" in message


def test_missing_translation_is_an_error(rule_dir):
    path = rule_dir / "dom-size.toml"
    _edit(path, 'en = "DOM size"\n', "")
    message = _error(rule_dir)
    assert "dom-size.toml" in message and "'title.en'" in message


def test_empty_translation_is_an_error(rule_dir):
    _edit(rule_dir / "dom-size.toml", 'fr = "Taille du DOM"', 'fr = "  "')
    assert "'title.fr'" in _error(rule_dir)


def test_duplicate_rule_ids_are_an_error(rule_dir):
    shutil.copyfile(rule_dir / "cookies.toml", rule_dir / "cookies-copy.toml")
    message = _error(rule_dir)
    assert "cookies-copy.toml" in message and "duplicates" in message and "'id'" in message


def test_rule_file_without_check_function_is_an_error(rule_dir):
    shutil.copyfile(rule_dir / "cookies.toml", rule_dir / "new-rule.toml")
    _edit(rule_dir / "new-rule.toml", 'id = "cookies"', 'id = "new-rule"')
    message = _error(rule_dir)
    assert "new-rule.toml" in message and "no check function" in message


def test_check_function_without_rule_file_is_an_error(rule_dir):
    (rule_dir / "cookies.toml").unlink()
    message = _error(rule_dir)
    assert "'cookies'" in message and "cookies.toml" in message and "consent.cookies" in message


def test_invalid_toml_names_the_file(rule_dir):
    (rule_dir / "dom-size.toml").write_text("id = \n", encoding="utf-8")
    message = _error(rule_dir)
    assert "dom-size.toml" in message and "not valid TOML" in message


def test_unknown_rgesn_criterion_is_an_error(rule_dir):
    _edit(rule_dir / "web-fonts.toml", 'rgesn = ["4.8"]', 'rgesn = ["4.16"]')
    message = _error(rule_dir)
    assert "web-fonts.toml" in message and "'references.rgesn'" in message and "4.16" in message


def test_non_kebab_case_id_is_an_error(rule_dir):
    _edit(rule_dir / "web-fonts.toml", 'id = "web-fonts"', 'id = "Web_Fonts"')
    assert "kebab-case" in _error(rule_dir)


def test_bad_scope_and_severity_are_errors(rule_dir):
    _edit(rule_dir / "web-fonts.toml", 'scope = "page"', 'scope = "screen"')
    assert "'scope'" in _error(rule_dir)


def test_scope_must_match_the_check_function(rule_dir):
    _edit(rule_dir / "web-fonts.toml", 'scope = "page"', 'scope = "site"')
    message = _error(rule_dir)
    assert "web-fonts" in message and "page check" in message


def test_threshold_of_an_unsupported_type_is_an_error(rule_dir):
    _edit(rule_dir / "web-fonts.toml", "max_families = 2", "max_families = { a = 1 }")
    message = _error(rule_dir)
    assert "web-fonts.toml" in message and "'thresholds.max_families'" in message


def test_missing_directory_is_one_clear_error(tmp_path):
    assert "does not exist" in _error(tmp_path / "nowhere")
