"""The site's RGESN 2024 table: share of measured pages complying with each checked criterion."""

from __future__ import annotations

from ecoaudit.report.rgesn_table import MANUAL, rgesn_rows
from tests.report_samples import finding, page


def test_compliance_is_the_share_of_checked_pages_where_every_feeding_rule_passed():
    pages = [
        page("http://127.0.0.1/a", findings=[finding("compression", "pass", rgesn=("6.3",))]),
        page("http://127.0.0.1/b", findings=[finding("compression", "fail", rgesn=("6.3",)),
                                             finding("cache-headers", "pass", rgesn=("6.2",))]),
        page("http://127.0.0.1/c", findings=[finding("compression", "pass", rgesn=("6.3",))],
             error="timeout"),  # not measured: not counted
    ]
    rows = {row.criterion.id: row for row in rgesn_rows(pages)}
    assert len(rows) == 78
    assert (rows["6.3"].pages_checked, rows["6.3"].pages_compliant) == (2, 1)
    assert rows["6.3"].share == 0.5
    assert (rows["6.2"].pages_checked, rows["6.2"].pages_compliant) == (1, 1)


def test_manual_criteria_are_never_counted_as_failed():
    pages = [page("http://127.0.0.1/a", findings=[finding("x", "fail", rgesn=("1.1",))])]
    row = next(row for row in rgesn_rows(pages) if row.criterion.id == "1.1")
    assert row.criterion.check == MANUAL
    assert row.pages_checked == 0 and row.share is None
