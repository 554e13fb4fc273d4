"""How resources travel: compression, caching, HTTP version and domains, errors and redirects,
HTTPS (RGESN 6.2, 6.3, 6.5, 6.7, 3.3)."""

from __future__ import annotations

import ipaddress
import re
from email.utils import parsedate_to_datetime

from ecoaudit.capture import Capture, Request
from ecoaudit.net import parties
from ecoaudit.rules.checks.resources import (
    REDIRECT_STATUSES,
    STATIC_KINDS,
    TEXT_KINDS,
    body_bytes,
    header,
    is_answered,
    is_inline,
    kind,
)
from ecoaudit.rules.finding import Evidence
from ecoaudit.rules.messages import Message, message
from ecoaudit.rules.registry import CheckContext, NotApplicable, Outcome, check

COMPRESSED_ENCODINGS = frozenset({"br", "gzip", "x-gzip", "deflate", "zstd", "compress"})
_MAX_AGE = re.compile(r"(?:^|,)\s*max-age\s*=\s*\"?(\d+)", re.IGNORECASE)


def _share_status(share: float, pass_percent: float, warn_percent: float) -> str:
    if share >= pass_percent:
        return "pass"
    return "warn" if share >= warn_percent else "fail"


def _is_compressed(request: Request) -> bool:
    encodings = (header(request, "content-encoding") or "").lower().split(",")
    return any(encoding.strip() in COMPRESSED_ENCODINGS for encoding in encodings)


def _compression_saving(request: Request) -> int | None:
    if request.text_stats is None:
        return None
    return max(0, body_bytes(request) - request.text_stats.gzip_bytes)


@check("text-compression")
def text_compression(capture: Capture, context: CheckContext) -> Outcome:
    """Share of first-party text bytes sent compressed (br, gzip, deflate, zstd)."""
    candidates = [
        r for r in capture.requests
        if is_answered(r) and not r.from_cache and kind(r) in TEXT_KINDS
        and body_bytes(r) > context["min_body_bytes"] and not context.is_third_party(r.url)
    ]
    if not candidates:
        raise NotApplicable(message("reason.no_text_over", bytes=context["min_body_bytes"]))
    total = sum(body_bytes(r) for r in candidates)
    evidence = []
    for request in candidates:
        if _is_compressed(request):
            continue
        saving = _compression_saving(request)
        if saving is not None and saving < context["min_saving_bytes"]:
            continue  # too small a gain to count against the site
        evidence.append(Evidence(
            url=request.url, bytes=body_bytes(request), saving_bytes=saving,
            message=message("evidence.uncompressed", kind=kind(request),
                            bytes=body_bytes(request)),
        ))
    uncompressed = sum(item.bytes or 0 for item in evidence)
    share = 100 * (total - uncompressed) / total
    return Outcome(
        status=_share_status(share, context["pass_percent"], context["warn_percent"]),
        value=round(share, 1),
        threshold={key: context[key] for key in ("pass_percent", "warn_percent")},
        evidence=sorted(evidence, key=lambda item: item.saving_bytes or 0, reverse=True),
    )


def _cache_problem(request: Request) -> Message | None:
    """Why the response cannot be reused from the browser cache, None if it can."""
    cache_control = (header(request, "cache-control") or "").lower()
    no_reuse = message("evidence.cache_control", value=cache_control)
    if "no-store" in cache_control or "no-cache" in cache_control:
        return no_reuse
    max_age = _MAX_AGE.search(cache_control)
    if max_age:
        return None if int(max_age.group(1)) > 0 else no_reuse
    expires, date = header(request, "expires"), header(request, "date")
    if expires:
        try:
            fresh = (date is not None
                     and parsedate_to_datetime(expires) > parsedate_to_datetime(date))
        except (TypeError, ValueError):
            fresh = False
        return None if fresh else message("evidence.expired", value=expires)
    return message("evidence.no_freshness")


@check("cache-headers")
def cache_headers(capture: Capture, context: CheckContext) -> Outcome:
    """Share of first-party static bytes with a freshness lifetime (max-age > 0 or Expires)."""
    statics = [
        r for r in capture.requests
        if is_answered(r) and r.status in (200, 203, 206) and kind(r) in STATIC_KINDS
        and not r.from_service_worker and not context.is_third_party(r.url)
    ]
    if not statics:
        raise NotApplicable(message("reason.no_static"))
    total = sum(max(r.transfer_bytes, 1) for r in statics)
    evidence = []
    for request in statics:
        problem = _cache_problem(request)
        if problem:
            evidence.append(Evidence(url=request.url, bytes=request.transfer_bytes,
                                     saving_bytes=request.transfer_bytes,
                                     message=message("evidence.not_cached", kind=kind(request),
                                                     problem=problem)))
    uncached = sum(max(item.bytes or 0, 1) for item in evidence)
    share = 100 * (total - uncached) / total
    return Outcome(
        status=_share_status(share, context["pass_percent"], context["warn_percent"]),
        value=round(share, 1),
        threshold={key: context[key] for key in ("pass_percent", "warn_percent")},
        evidence=sorted(evidence, key=lambda item: item.bytes or 0, reverse=True),
    )


def _is_old_http(request: Request) -> bool:
    protocol = (request.protocol or "").lower()
    return protocol.startswith(("http/1", "http/0"))


@check("http2-and-domains")
def http2_and_domains(capture: Capture, context: CheckContext) -> Outcome:
    """Responses over HTTP/1.x, number of domains, first-party hosts serving static files."""
    network = [r for r in capture.requests if not is_inline(r.url)]
    if not network:
        raise NotApplicable(message("reason.no_requests"))
    old: dict[str, list[Request]] = {}
    for request in network:
        host = parties.host_of(request.url)
        if context["exempt_loopback"] and _is_loopback(host):
            continue
        if request.status is not None and _is_old_http(request):
            old.setdefault(host, []).append(request)
    domains = {parties.host_of(r.url) for r in network}
    static_hosts = {parties.host_of(r.url) for r in network
                    if kind(r) in STATIC_KINDS and not context.is_third_party(r.url)}
    http1_count = sum(len(requests) for requests in old.values())
    evidence = [
        Evidence(url=requests[0].url, bytes=sum(r.transfer_bytes for r in requests),
                 message=message("evidence.old_http", host=host, count=len(requests),
                                 protocol=requests[0].protocol))
        for host, requests in sorted(old.items())
    ]
    statuses = ["fail" if http1_count > context["max_http1_responses"] else "pass"]
    if len(domains) > context["max_domains"]:
        statuses.append("warn")
        evidence.append(Evidence(url=None, message=message(
            "evidence.domains", count=len(domains), domains=sorted(domains))))
    if len(static_hosts) > context["max_static_hosts"]:
        statuses.append("warn")
        evidence.append(Evidence(url=None, message=message(
            "evidence.static_hosts", count=len(static_hosts), hosts=sorted(static_hosts))))
    status = "fail" if "fail" in statuses else "warn" if "warn" in statuses else "pass"
    return Outcome(
        status=status,
        value=message("outcome.http2_and_domains", http1=http1_count, domains=len(domains),
                      static_hosts=len(static_hosts)),
        threshold={key: context[key] for key in
                   ("max_http1_responses", "max_domains", "max_static_hosts")},
        evidence=evidence,
    )


@check("http-errors-redirects")
def http_errors_redirects(capture: Capture, context: CheckContext) -> Outcome:
    """Responses with an HTTP error (>= 400) and redirects (301, 302, 303, 307, 308)."""
    if not capture.requests:
        raise NotApplicable(message("reason.no_requests"))
    errors = [r for r in capture.requests if r.status is not None and r.status >= 400]
    redirects = [r for r in capture.requests if r.status in REDIRECT_STATUSES]
    evidence = [Evidence(url=r.url, bytes=r.transfer_bytes, saving_bytes=r.transfer_bytes,
                         message=message("evidence.http_error", status=r.status))
                for r in errors]
    evidence += [Evidence(url=r.url, bytes=r.transfer_bytes, saving_bytes=r.transfer_bytes,
                          message=message("evidence.redirect", status=r.status,
                                          target=r.redirect_to or "?"))
                 for r in redirects]
    failed = len(errors) > context["max_errors"] or len(redirects) > context["max_redirects"]
    return Outcome(
        status="fail" if failed else "pass",
        value=message("outcome.errors_redirects", errors=len(errors),
                      redirects=len(redirects)),
        threshold={"max_errors": context["max_errors"], "max_redirects": context["max_redirects"]},
        evidence=evidence,
    )


def _is_loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@check("https-everywhere")
def https_everywhere(capture: Capture, context: CheckContext) -> Outcome:
    """Resources fetched over plain HTTP (an HTTP to HTTPS redirect is fine)."""
    network = [r for r in capture.requests if not is_inline(r.url)]
    if not network:
        raise NotApplicable(message("reason.no_requests"))
    plain = [
        r for r in network
        if r.url.lower().startswith("http://") and r.status not in REDIRECT_STATUSES
        and not (context["exempt_loopback"] and _is_loopback(parties.host_of(r.url)))
    ]
    evidence = [Evidence(url=r.url, bytes=r.transfer_bytes,
                         message=message("evidence.plain_http", kind=kind(r)))
                for r in plain]
    return Outcome(
        status="fail" if len(plain) > context["max_plain_http"] else "pass",
        value=len(plain),
        threshold={"max_plain_http": context["max_plain_http"]},
        evidence=evidence,
    )


@check("site-static-hosts", scope="site")
def site_static_hosts(captures: list[Capture], context: CheckContext) -> Outcome:
    """Site rule: first-party hosts serving static files across all measured pages."""
    hosts: dict[str, int] = {}
    for capture in captures:
        for request in capture.requests:
            if (kind(request) in STATIC_KINDS and not is_inline(request.url)
                    and not context.is_third_party(request.url)):
                host = parties.host_of(request.url)
                hosts[host] = hosts.get(host, 0) + 1
    if not hosts:
        raise NotApplicable(message("reason.no_site_static"))
    evidence = [Evidence(url=None, message=message("evidence.site_static_host", host=host,
                                                   count=count))
                for host, count in sorted(hosts.items())]
    return Outcome(
        status="warn" if len(hosts) > context["max_hosts"] else "pass",
        value=len(hosts),
        threshold={"max_hosts": context["max_hosts"]},
        evidence=evidence,
    )
