"""Outputs of the gate for CI systems: JUnit XML, GitLab Code Quality JSON, plain JSON.

JUnit: one <testsuite> per page, one <testcase> per budget check (`max_size_kb`,
`rules_must_pass:page-weight`, ...); a broken budget is a <failure>, a page that could not be
measured is one <testcase name="measurement"> with an <error>, a check that could not be made is
<skipped>. GitLab Code Quality: one issue per broken check, located at the page's URL.
"""

from __future__ import annotations

import hashlib
import json
import xml.etree.ElementTree as ElementTree
from pathlib import Path
from typing import Any

from ecoaudit import __version__
from ecoaudit.errors import EcoauditError
from ecoaudit.scoring.budgets import BudgetCheck
from ecoaudit.workflows.check.gate import GateResult, PageVerdict, check_line

# GitLab severities: info, minor, major, critical, blocker.
GITLAB_SEVERITY = {
    "min_score": "major", "min_grade": "major", "max_size_kb": "major", "max_requests": "minor",
    "max_nodes": "minor", "max_co2_g": "minor", "rules_must_pass": "major",
    "max_score_drop": "critical",
}


def _testcase(suite: ElementTree.Element, page: PageVerdict, check: BudgetCheck) -> None:
    case = ElementTree.SubElement(suite, "testcase", name=check.name, classname=page.label,
                                  time="0")
    line = check_line(check)
    if check.passed is False:
        failure = ElementTree.SubElement(case, "failure", message=line, type=check.key)
        details = [line, *(f"{item.get('url')} {item.get('bytes') or ''}".strip()
                           for item in check.resources)]
        failure.text = "\n".join(details)
    elif check.passed is None:
        ElementTree.SubElement(case, "skipped", message=line)


def junit_xml(result: GateResult) -> str:
    """The JUnit XML report of a gate result (a string, UTF-8 declared)."""
    root = ElementTree.Element("testsuites", name="ecoaudit check")
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for page in result.pages:
        suite = ElementTree.SubElement(root, "testsuite", name=page.label)
        counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        if page.error:
            case = ElementTree.SubElement(suite, "testcase", name="measurement",
                                          classname=page.label, time="0")
            error = ElementTree.SubElement(case, "error", message=page.error, type="unmeasured")
            error.text = page.error
            counts["tests"], counts["errors"] = 1, 1
        for check in page.checks:
            _testcase(suite, page, check)
            counts["tests"] += 1
            counts["failures"] += check.passed is False
            counts["skipped"] += check.passed is None
        for name, value in counts.items():
            suite.set(name, str(value))
            totals[name] += value
    for name, value in totals.items():
        root.set(name, str(value))
    ElementTree.indent(root)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            + ElementTree.tostring(root, encoding="unicode") + "\n")


def _fingerprint(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def gitlab_code_quality(result: GateResult) -> list[dict[str, Any]]:
    """GitLab Code Quality issues: one per broken check and one per unmeasured page."""
    issues: list[dict[str, Any]] = []
    for page in result.pages:
        location = {"path": page.url, "lines": {"begin": 1}}
        if page.error:
            issues.append({
                "description": f"Page not measured: {page.error}",
                "check_name": "ecoaudit/measurement",
                "fingerprint": _fingerprint(page.label, "measurement"),
                "severity": "blocker", "location": location,
            })
        for check in page.broken:
            issues.append({
                "description": f"{page.label}: {check_line(check)}",
                "check_name": f"ecoaudit/{check.name}",
                "fingerprint": _fingerprint(page.label, check.name),
                "severity": GITLAB_SEVERITY[check.key], "location": location,
            })
    return issues


def result_json(result: GateResult) -> dict[str, Any]:
    """The gate's JSON document (`check --json`)."""
    return {"tool": {"name": "ecoaudit", "version": __version__}, **result.to_dict()}


def write_text(path: str | Path, text: str) -> None:
    """Write a CI output file; a path that cannot be written is a user error."""
    try:
        Path(path).write_text(text, encoding="utf-8")
    except OSError as error:
        raise EcoauditError(f"Cannot write {path} ({error.strerror}): check the folder "
                            "exists and is writable.") from error


def write_outputs(result: GateResult, *, junit: str | None = None, gitlab: str | None = None,
                  json_path: str | None = None) -> None:
    """Write whichever CI outputs were asked for."""
    if junit:
        write_text(junit, junit_xml(result))
    if gitlab:
        write_text(gitlab, json.dumps(gitlab_code_quality(result), indent=2,
                                      ensure_ascii=False) + "\n")
    if json_path:
        write_text(json_path, json.dumps(result_json(result), indent=2,
                                         ensure_ascii=False) + "\n")
