"""Third parties, widgets, cookies and permission prompts: what loads without the user's
say-so (RGESN 4.4, 2.10, 1.6, 4.13, 6.6)."""

from __future__ import annotations

from ecoaudit.capture import Capture, Request
from ecoaudit.net import parties
from ecoaudit.rules.checks.resources import STATIC_KINDS, is_inline, kind
from ecoaudit.rules.finding import Evidence
from ecoaudit.rules.messages import message
from ecoaudit.rules.registry import CheckContext, NotApplicable, Outcome, check


def _allowed(host: str, allowed_hosts: list[str]) -> bool:
    allowed = {parties.host_of(entry) for entry in allowed_hosts}
    return host in allowed or parties.registrable_domain(host) in allowed


@check("third-parties-before-consent")
def third_parties_before_consent(capture: Capture, context: CheckContext) -> Outcome:
    """Third-party hosts contacted before the user consented (consent state none or before)."""
    if capture.protocol.consent == "after":
        raise NotApplicable(message("reason.measured_after_consent"))
    by_host: dict[str, list[Request]] = {}
    for request in capture.requests:
        if is_inline(request.url) or not context.is_third_party(request.url):
            continue
        host = parties.host_of(request.url)
        if not _allowed(host, context["allowed_hosts"]):
            by_host.setdefault(host, []).append(request)
    evidence = [
        Evidence(url=requests[0].url, bytes=sum(r.transfer_bytes for r in requests),
                 saving_bytes=sum(r.transfer_bytes for r in requests),
                 message=message("evidence.before_consent", host=host, count=len(requests)))
        for host, requests in sorted(by_host.items())
    ]
    for cookie in capture.cookies or []:
        if cookie.third_party:
            evidence.append(Evidence(url=None, message=message(
                "evidence.third_party_cookie", name=cookie.name, domain=cookie.domain)))
    return Outcome(
        status="fail" if len(by_host) > context["max_hosts"] else "pass",
        value=len(by_host),
        threshold={"max_hosts": context["max_hosts"], "allowed_hosts": context["allowed_hosts"]},
        evidence=evidence,
    )


@check("social-widgets-plugins")
def social_widgets_plugins(capture: Capture, context: CheckContext) -> Outcome:
    """Social-network widget scripts, <object>/<embed> plugins, empty src/href attributes."""
    patterns = [pattern.lower() for pattern in context["widget_url_patterns"]]
    evidence = [
        Evidence(url=request.url, bytes=request.transfer_bytes,
                 saving_bytes=request.transfer_bytes, message=message("evidence.social_script"))
        for request in capture.requests
        if any(pattern in request.url.lower() for pattern in patterns)
    ]
    if capture.dom is not None:
        if capture.dom.plugins:
            evidence.append(Evidence(url=None, message=message(
                "evidence.plugins", count=capture.dom.plugins)))
        if capture.dom.empty_src:
            evidence.append(Evidence(url=None, message=message(
                "evidence.empty_src", count=capture.dom.empty_src)))
    elif not evidence:
        raise NotApplicable(message("reason.missing", what="dom"))
    return Outcome(
        status="fail" if evidence else "pass",
        value=len(evidence),
        threshold={"widget_url_patterns": context["widget_url_patterns"]},
        evidence=evidence,
    )


@check("cookies")
def cookies(capture: Capture, context: CheckContext) -> Outcome:
    """Largest Cookie request header, and cookies sent with the site's static files."""
    if not capture.requests:
        raise NotApplicable(message("reason.no_requests"))
    largest = max(capture.requests, key=lambda r: r.request_cookie_bytes)
    header_bytes = largest.request_cookie_bytes
    statuses, evidence = ["pass"], []
    if header_bytes > context["fail_header_bytes"]:
        statuses.append("fail")
    elif header_bytes > context["warn_header_bytes"]:
        statuses.append("warn")
    if header_bytes > context["warn_header_bytes"]:
        evidence.append(Evidence(url=largest.url, bytes=header_bytes, message=message(
            "evidence.cookie_header", bytes=header_bytes)))
    static_with_cookies = [
        r for r in capture.requests
        if r.request_cookie_bytes > 0 and kind(r) in STATIC_KINDS and not is_inline(r.url)
        and not context.is_third_party(r.url)
    ]
    static_cookie_bytes = sum(r.request_cookie_bytes for r in static_with_cookies)
    if static_with_cookies:
        over = static_cookie_bytes > context["fail_static_cookie_bytes"]
        statuses.append("fail" if over else "warn")
        evidence += [Evidence(url=r.url, bytes=r.request_cookie_bytes,
                              saving_bytes=r.request_cookie_bytes,
                              message=message("evidence.static_cookies", kind=kind(r),
                                              bytes=r.request_cookie_bytes))
                     for r in static_with_cookies]
    status = "fail" if "fail" in statuses else "warn" if "warn" in statuses else "pass"
    return Outcome(
        status=status,
        value=header_bytes,
        threshold={key: context[key] for key in
                   ("warn_header_bytes", "fail_header_bytes", "fail_static_cookie_bytes")},
        evidence=evidence,
    )


@check("permission-prompts")
def permission_prompts(capture: Capture, context: CheckContext) -> Outcome:
    """Permissions (notifications, geolocation, camera...) requested while the page loads."""
    asked = [name for name in capture.permission_requests
             if name not in context["allowed_permissions"]]
    evidence = [Evidence(url=None, message=message("evidence.permission", name=name))
                for name in asked]
    return Outcome(
        status="fail" if asked else "pass",
        value=len(asked),
        threshold={"allowed_permissions": context["allowed_permissions"]},
        evidence=evidence,
    )
