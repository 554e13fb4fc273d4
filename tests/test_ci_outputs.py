"""CI outputs of the gate: JUnit XML structure, GitLab Code Quality issues, JSON verdict."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ElementTree

from ecoaudit.capture import Capture, Request
from ecoaudit.pipeline import page_entry
from ecoaudit.scoring import score_page
from ecoaudit.scoring.budgets import Budget
from ecoaudit.workflows.check.ci_outputs import (
    gitlab_code_quality,
    junit_xml,
    result_json,
    write_outputs,
)
from ecoaudit.workflows.check.gate import judge_pages

BUDGET = Budget(max_size_kb=500, max_requests=3, rules_must_pass=("page-weight",),
                max_score_drop=2)


def entry(path: str, sizes: list[int], error: str | None = None) -> dict:
    url = "https://staging.example.org" + path
    capture = Capture(requested_url=url, final_url=url, status=200, content_type="text/html",
                      nodes=None if error else 50, error=error,
                      requests=[Request(url=f"{url}?r={i}", transfer_bytes=size, status=200)
                                for i, size in enumerate(sizes)])
    return page_entry(score_page(capture))


def result():
    light = entry("/", [10_000])
    heavy = entry("/lourde", [300_000] * 4)
    broken = entry("/absente", [], error="HTTP status 404: a page must answer 200 to be measured")
    return judge_pages([light, heavy, broken], BUDGET, baseline_entries=[light])


def test_junit_has_one_suite_per_page_and_one_case_per_budget_key() -> None:
    root = ElementTree.fromstring(junit_xml(result()).encode("utf-8"))
    assert root.tag == "testsuites"
    suites = root.findall("testsuite")
    assert [suite.get("name") for suite in suites] == [
        "https://staging.example.org/", "https://staging.example.org/lourde",
        "https://staging.example.org/absente"]
    light, heavy, broken = suites
    names = ["max_size_kb", "max_requests", "rules_must_pass:page-weight", "max_score_drop"]
    assert [case.get("name") for case in light.findall("testcase")] == names
    assert [case.get("name") for case in heavy.findall("testcase")] == names
    assert not light.findall("testcase/failure") and not light.findall("testcase/skipped")
    failed = [case.get("name") for case in heavy.findall("testcase") if case.find("failure")
              is not None]
    assert failed == ["max_size_kb", "max_requests", "rules_must_pass:page-weight"]
    skipped = heavy.find("testcase[@name='max_score_drop']/skipped")
    assert "not in the baseline run" in skipped.get("message")
    size_failure = heavy.find("testcase[@name='max_size_kb']/failure")
    assert "1200 KB" in size_failure.get("message") and "over by 700 KB" in size_failure.get(
        "message")
    (case,) = broken.findall("testcase")
    assert case.get("name") == "measurement" and "404" in case.find("error").get("message")
    assert (root.get("tests"), root.get("failures"), root.get("errors"), root.get("skipped")) == (
        "9", "3", "1", "1")
    assert (heavy.get("tests"), heavy.get("failures")) == ("4", "3")


def test_gitlab_issues_are_one_per_broken_check_with_unique_fingerprints() -> None:
    issues = gitlab_code_quality(result())
    assert [issue["check_name"] for issue in issues] == [
        "ecoaudit/max_size_kb", "ecoaudit/max_requests", "ecoaudit/rules_must_pass:page-weight",
        "ecoaudit/measurement"]
    assert len({issue["fingerprint"] for issue in issues}) == 4
    assert {issue["severity"] for issue in issues} <= {"info", "minor", "major", "critical",
                                                       "blocker"}
    assert issues[0]["location"] == {"path": "https://staging.example.org/lourde",
                                     "lines": {"begin": 1}}


def test_json_verdict_and_written_files_agree(tmp_path) -> None:
    verdict = result()
    document = result_json(verdict)
    assert document["outcome"] == "failed" and document["exit_code"] == 1
    assert [page["passed"] for page in document["pages"]] == [True, False, False]
    write_outputs(verdict, junit=str(tmp_path / "j.xml"), gitlab=str(tmp_path / "g.json"),
                  json_path=str(tmp_path / "v.json"))
    assert json.loads((tmp_path / "v.json").read_text()) == json.loads(json.dumps(document))
    assert len(json.loads((tmp_path / "g.json").read_text())) == 4
    ElementTree.parse(tmp_path / "j.xml")


def test_an_unmeasured_page_alone_gives_exit_code_2() -> None:
    broken = entry("/absente", [], error="connection refused by the server")
    assert judge_pages([broken], BUDGET).exit_code == 2
    assert judge_pages([entry("/", [10_000])], BUDGET).exit_code == 0
