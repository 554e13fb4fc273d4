"""RGESN 2024 criteria data and the per-page / per-site compliance views."""

from collections import Counter

from ecoaudit.rules import criteria as rgesn_table
from ecoaudit.rules import load_catalogue, rgesn


def test_there_are_78_criteria_in_9_families_with_the_published_counts():
    criteria = rgesn.criteria()
    assert len(criteria) == 78
    counts = Counter(c.family for c in criteria)
    assert [counts[f] for f in range(1, 10)] == [10, 10, 7, 15, 8, 7, 4, 10, 7]
    assert len({c.number for c in criteria}) == 78


def test_each_criterion_has_a_french_title_priority_and_check_mode():
    for criterion in rgesn.criteria():
        assert criterion.title and criterion.title_en
        assert criterion.priority in rgesn_table.PRIORITY_WEIGHTS
        assert criterion.check in rgesn_table.CHECK_MODES


def test_known_priorities_and_modes():
    by_number = {c.number: c for c in rgesn.criteria()}
    assert by_number["4.1"].priority == "prioritaire" and by_number["4.1"].check == "auto"
    assert by_number["6.3"].priority == "modéré" and by_number["6.3"].weight == 1.0
    assert by_number["6.2"].weight == 1.25
    assert by_number["8.3"].check == "manual"


def test_checked_criteria_are_fed_by_rules_and_rules_feed_only_checked_criteria():
    catalogue = load_catalogue()
    for criterion in rgesn.criteria(catalogue):
        if criterion.check == "manual":
            assert criterion.rules == (), criterion.number
        else:
            assert criterion.rules, f"{criterion.number} is {criterion.check} but no rule feeds it"
    assert "text-compression" in {c.number: c for c in rgesn.criteria()}["6.3"].rules


def _finding(rule, status, criteria):
    return {"rule": rule, "status": status, "rgesn": criteria}


def test_page_view_takes_the_worst_status_of_the_rules_that_applied():
    view = {entry["criterion"]: entry for entry in rgesn.rgesn_view([
        _finding("page-weight", "pass", ["6.1"]),
        _finding("request-count", "warn", ["6.1"]),
        _finding("text-compression", "fail", ["6.3"]),
        _finding("cache-headers", "na", ["6.2"]),
    ])}
    assert view["6.1"]["status"] == "warn"
    assert view["6.1"]["rules"] == {"page-weight": "pass", "request-count": "warn"}
    assert view["6.3"]["status"] == "fail"
    assert view["6.2"]["status"] == "na"  # automatic, but nothing to check on this page
    assert len(view) == 78


def test_a_criterion_that_cannot_be_checked_is_manual_never_failed():
    view = {e["criterion"]: e for e in rgesn.rgesn_view([_finding("x", "fail", ["8.3"])])}
    assert view["8.3"]["status"] == "manual"
    assert view["2.2"]["status"] == "manual"


def test_partial_criterion_without_applicable_rule_needs_manual_evidence():
    view = {e["criterion"]: e for e in rgesn.rgesn_view([_finding("bitmap-overweight", "na",
                                                                  ["5.2"])])}
    assert view["5.2"]["status"] == "manual"


def test_site_view_counts_pages_and_compliance_share():
    pages = [
        [_finding("text-compression", "pass", ["6.3"])],
        [_finding("text-compression", "fail", ["6.3"])],
        [_finding("text-compression", "pass", ["6.3"])],
        [_finding("text-compression", "na", ["6.3"])],
    ]
    view = {e["criterion"]: e for e in rgesn.site_rgesn_view(pages)}
    entry = view["6.3"]
    assert (entry["pages"], entry["pass"], entry["fail"], entry["na"]) == (4, 2, 1, 1)
    assert entry["compliance_percent"] == 66.7
    assert entry["status"] == "fail"
    assert view["6.2"]["compliance_percent"] is None
    assert view["1.1"]["status"] == "manual"


def test_site_view_includes_site_rule_findings():
    view = {e["criterion"]: e for e in rgesn.site_rgesn_view(
        [[_finding("http2-and-domains", "pass", ["6.7"])]],
        site_findings=[_finding("site-static-hosts", "warn", ["6.7"])])}
    assert view["6.7"]["status"] == "warn"


def test_compliance_summary_counts_statuses():
    view = rgesn.rgesn_view([_finding("text-compression", "pass", ["6.3"]),
                             _finding("cache-headers", "fail", ["6.2"])])
    summary = rgesn.compliance_summary(view)
    assert summary["criteria"] == 78
    assert summary["pass"] == 1 and summary["fail"] == 1
    assert summary["compliance_percent"] == 50.0
    assert summary["manual"] + summary["na"] + 2 == 78
