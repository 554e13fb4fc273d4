"""Evaluate the catalogue's rules on captures: thresholds, overrides, first party, findings."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import ecoaudit.rules.checks  # noqa: F401 - importing the checks registers them
from ecoaudit.capture import Capture
from ecoaudit.errors import ConfigError
from ecoaudit.net import parties
from ecoaudit.rules.catalogue import Catalogue, Rule, read_catalogue
from ecoaudit.rules.criteria import criterion_numbers
from ecoaudit.rules.finding import STATUSES, Evidence, Finding
from ecoaudit.rules.messages import Message, message, render
from ecoaudit.rules.registry import (
    CheckContext,
    NotApplicable,
    Outcome,
    RegisteredCheck,
    registered_checks,
)

# The one copy of the catalogue is rules/ at the repository's root; the package reaches it as
# ecoaudit/catalogue, a symbolic link in the source tree that the build turns into the files.
RULE_DIRECTORY = Path(str(resources.files("ecoaudit").joinpath("catalogue")))

MAX_EVIDENCE = 50  # per finding; the rest is summed up in one last entry

_loaded: dict[Path, Catalogue] = {}


def default_rule_directory() -> Path:
    """The catalogue shipped with ecoaudit (rules/ of the repository)."""
    return RULE_DIRECTORY


def _check_functions_match(catalogue: Catalogue, checks: dict[str, RegisteredCheck]) -> None:
    for rule in catalogue:
        registered = checks.get(rule.id)
        if registered is None:
            raise ConfigError(f"{rule.source}: rule '{rule.id}' has no check function; register "
                              "one with @check(\"" + rule.id + "\") in ecoaudit/rules/checks/.")
        if registered.scope != rule.scope:
            raise ConfigError(f"{rule.source}: rule '{rule.id}': key 'scope' is '{rule.scope}' but "
                              f"its check function is a {registered.scope} check.")
    for rule_id, registered in sorted(checks.items()):
        if rule_id not in catalogue:
            name = f"{registered.function.__module__}.{registered.function.__name__}"
            raise ConfigError(f"{catalogue.directory}: check function {name} is registered for "
                              f"rule '{rule_id}' but there is no rule file {rule_id}.toml.")


def load_catalogue(directory: Path | None = None) -> Catalogue:
    """Load and validate the rule catalogue (default: the repository's `rules/`)."""
    path = Path(directory) if directory is not None else default_rule_directory()
    if directory is None and path in _loaded:
        return _loaded[path]
    catalogue = read_catalogue(path, frozenset(criterion_numbers()))
    _check_functions_match(catalogue, registered_checks())
    if directory is None:
        _loaded[path] = catalogue
    return catalogue


def _same_kind(default: Any, value: Any) -> bool:
    if isinstance(default, bool) or isinstance(value, bool):
        return isinstance(default, bool) and isinstance(value, bool)
    if isinstance(default, int | float):
        return isinstance(value, int | float)
    if isinstance(default, list):
        return isinstance(value, list) and all(
            any(_same_kind(example, item) for example in default) if default
            else isinstance(item, str | int | float) and not isinstance(item, bool)
            for item in value)
    return isinstance(value, type(default))


def _kind_name(default: Any) -> str:
    if isinstance(default, bool):
        return "true or false"
    if isinstance(default, int | float):
        return "a number"
    if isinstance(default, list):
        return "a list like " + repr(default)
    return "a text"


def validate_overrides(
    overrides: dict[str, dict] | None, catalogue: Catalogue, *, source: str = "threshold overrides",
) -> dict[str, dict[str, Any]]:
    """Check {rule_id: {threshold_key: value}} against the catalogue; ConfigError if wrong."""
    if not overrides:
        return {}
    if not isinstance(overrides, dict):
        raise ConfigError(f"{source}: threshold overrides must be a table of rules.")
    for rule_id, values in overrides.items():
        if rule_id not in catalogue:
            raise ConfigError(f"{source}: unknown rule '{rule_id}'; run `ecoaudit rules` to list "
                              "the rule ids.")
        rule = catalogue[rule_id]
        if not isinstance(values, dict):
            raise ConfigError(f"{source}: rule '{rule_id}': overrides must be a table of "
                              "threshold = value.")
        for key, value in values.items():
            if key not in rule.thresholds:
                known = ", ".join(rule.thresholds) or "none"
                raise ConfigError(f"{source}: rule '{rule_id}': unknown threshold key '{key}'; "
                                  f"its keys are: {known}.")
            default = rule.thresholds[key]
            if not _same_kind(default, value):
                raise ConfigError(f"{source}: rule '{rule_id}': key '{key}' must be "
                                  f"{_kind_name(default)}, not {value!r}.")
            if isinstance(value, int | float) and not isinstance(value, bool) and value < 0:
                raise ConfigError(f"{source}: rule '{rule_id}': key '{key}' cannot be negative.")
    return overrides


def first_party_hosts_of(capture: Capture) -> list[str]:
    """Default first party of a capture: the hosts of its requested and final URLs."""
    hosts = [parties.host_of(capture.requested_url)]
    if capture.final_url:
        hosts.append(parties.host_of(capture.final_url))
    return [host for host in dict.fromkeys(hosts) if host]


def bounded_evidence(evidence: list[Evidence], limit: int = MAX_EVIDENCE) -> list[Evidence]:
    """At most `limit` entries: the first ones, then one entry summing up the rest."""
    if len(evidence) <= limit:
        return list(evidence)
    kept, rest = evidence[: limit - 1], evidence[limit - 1:]
    savings = [item.saving_bytes for item in rest if item.saving_bytes is not None]
    sizes = [item.bytes for item in rest if item.bytes is not None]
    return [*kept, Evidence(url=None, bytes=sum(sizes) if sizes else None,
                            saving_bytes=sum(savings) if savings else None,
                            message=message("evidence.more", count=len(rest)))]


def _text_and_message(value: Any) -> tuple[Any, Message | None]:
    """(French text, message) of a Message; (value, None) for anything else."""
    if isinstance(value, Message):
        return render(value), value
    return value, None


def _finding(rule: Rule, outcome: Outcome) -> Finding:
    if outcome.status not in STATUSES:
        raise ValueError(f"check of rule '{rule.id}' returned unknown status {outcome.status!r}")
    value, value_message = _text_and_message(outcome.value)
    reason, reason_message = _text_and_message(outcome.reason)
    return Finding(
        rule=rule.id, status=outcome.status, severity=rule.severity, rgesn=rule.rgesn,
        value=value, threshold=outcome.threshold,
        evidence=bounded_evidence(outcome.evidence), reason=reason,
        value_message=value_message, reason_message=reason_message,
    )


def _run(rule: Rule, registered: RegisteredCheck, subject: Any, context: CheckContext) -> Finding:
    try:
        outcome = registered.function(subject, context)
    except NotApplicable as why:
        outcome = Outcome(status="na", reason=why.reason)
    return _finding(rule, outcome)


def _context(rule: Rule, overrides: dict[str, dict], hosts: list[str]) -> CheckContext:
    thresholds = {**rule.thresholds, **overrides.get(rule.id, {})}
    return CheckContext(rule_id=rule.id, thresholds=thresholds, first_party_hosts=tuple(hosts))


def evaluate(
    capture: Capture,
    *,
    catalogue: Catalogue | None = None,
    overrides: dict[str, dict] | None = None,
    first_party_hosts: list[str] | None = None,
) -> list[Finding]:
    """Findings of every page rule on one capture, in catalogue order."""
    catalogue = catalogue or load_catalogue()
    checked = validate_overrides(overrides, catalogue)
    hosts = list(first_party_hosts) if first_party_hosts else first_party_hosts_of(capture)
    checks = registered_checks()
    findings = []
    for rule in catalogue:
        if rule.scope != "page":
            continue
        if not capture.ok:
            reason = message("reason.not_measured", error=capture.error)
            findings.append(_finding(rule, Outcome(status="na", reason=reason)))
            continue
        findings.append(_run(rule, checks[rule.id], capture, _context(rule, checked, hosts)))
    return findings


def evaluate_site(
    captures: list[Capture],
    *,
    catalogue: Catalogue | None = None,
    overrides: dict[str, dict] | None = None,
    first_party_hosts: list[str] | None = None,
) -> list[Finding]:
    """Findings of every site rule on the measured pages of one site."""
    catalogue = catalogue or load_catalogue()
    checked = validate_overrides(overrides, catalogue)
    measured = [capture for capture in captures if capture.ok]
    hosts = list(first_party_hosts or [])
    if not hosts:
        for capture in measured:
            hosts.extend(first_party_hosts_of(capture))
    checks = registered_checks()
    findings = []
    for rule in catalogue:
        if rule.scope != "site":
            continue
        if not measured:
            no_page = message("reason.no_measured_page")
            findings.append(_finding(rule, Outcome(status="na", reason=no_page)))
            continue
        context = _context(rule, checked, list(dict.fromkeys(hosts)))
        findings.append(_run(rule, checks[rule.id], measured, context))
    return findings
