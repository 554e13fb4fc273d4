"""Threshold overrides from the command line: RULE.KEY=VALUE, values read as TOML."""

import pytest

from ecoaudit.errors import ConfigError
from ecoaudit.rules import evaluate, load_catalogue, validate_overrides
from ecoaudit.rules.options import parse_threshold_options
from tests.rule_captures import page, req


def test_values_are_read_as_toml_and_grouped_by_rule():
    parsed = parse_threshold_options([
        "page-weight.warn_kb=800", "page-weight.fail_kb = 1500.5", "ecoindex-grade.min_grade=B",
        "co2-per-view.green_hosting=true", 'third-parties-before-consent.allowed_hosts=["a.fr"]',
    ])
    assert parsed == {
        "page-weight": {"warn_kb": 800, "fail_kb": 1500.5},
        "ecoindex-grade": {"min_grade": "B"},
        "co2-per-view": {"green_hosting": True},
        "third-parties-before-consent": {"allowed_hosts": ["a.fr"]},
    }
    validate_overrides(parsed, load_catalogue())


def test_parsed_overrides_change_the_findings():
    overrides = parse_threshold_options(["page-weight.warn_kb=100"])
    findings = evaluate(page(req("/", size=150_000)), overrides=overrides)
    assert next(f for f in findings if f.rule == "page-weight").status == "warn"


@pytest.mark.parametrize("option", ["page-weight=800", "warn_kb=800", "page-weight.warn_kb",
                                    ".warn_kb=1", "page-weight.=1"])
def test_malformed_option_is_one_clear_error(option):
    with pytest.raises(ConfigError, match=r"write RULE\.KEY=VALUE"):
        parse_threshold_options([option])


def test_a_value_of_the_wrong_type_is_caught_by_validation():
    parsed = parse_threshold_options(["page-weight.warn_kb=lots"])
    with pytest.raises(ConfigError, match="key 'warn_kb' must be a number"):
        validate_overrides(parsed, load_catalogue(), source="--threshold")
