"""Everything computed from a Capture: findings of the rules and CO2 (pure functions)."""

from __future__ import annotations

from ecoaudit.capture import Capture


def score_capture(
    capture: Capture,
    *,
    overrides: dict[str, dict] | None = None,
    first_party_hosts: list[str] | None = None,
) -> dict:
    """{"findings": [...], "co2": {...}} for one capture (empty for a failed page)."""
    if not capture.ok:
        return {"findings": [], "co2": None}
    from ecoaudit import co2, rules

    findings = rules.evaluate(capture, overrides=overrides, first_party_hosts=first_party_hosts)
    return {
        "findings": [finding.to_dict() for finding in findings],
        "co2": co2.page_co2(capture.transfer_bytes),
    }
