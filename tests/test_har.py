"""Reading the browser's HAR into requests: pure checks on hand-written HAR records."""

from __future__ import annotations

import json

from ecoaudit.measure import har


def _entry(url: str, response: dict, **extra) -> dict:
    return {"request": {"url": url, "method": "GET", "headers": []}, "response": response,
            "_resourceType": extra.get("kind", "script"), "_frameref": "main",
            "_monotonicTime": extra.get("at", 1.0), "startedDateTime": "2026-11-28T10:00:00Z"}


def test_the_transfer_size_is_the_bytes_on_the_wire():
    entry = _entry("https://a.example/x.js", {"status": 200, "headers": [], "_transferSize": 812,
                                              "bodySize": 700, "headersSize": 112,
                                              "content": {"size": 2100}})
    (request,) = har.requests_from_har({"log": {"entries": [entry]}})
    assert (request.transfer_bytes, request.encoded_body_bytes,
            request.decoded_body_bytes) == (812, 700, 2100)


def test_an_unsized_response_gets_the_reference_estimate():
    response = {"status": 404, "statusText": "Not Found", "headers": [], "_transferSize": -1,
                "bodySize": -1, "headersSize": -1,
                "content": {"size": -1, "mimeType": "text/plain", "_file": "abc.txt"}}
    (request,) = har.requests_from_har(
        {"log": {"entries": [_entry("https://a.example/absent.js", response)]}})
    without_attachment = {**response, "content": {"size": -1, "mimeType": "text/plain"}}
    assert request.transfer_bytes == len(json.dumps(without_attachment))


def test_data_uris_are_not_requests_and_order_follows_the_browser():
    entries = [
        _entry("https://a.example/late.json", {"status": 200, "headers": [],
                                               "_transferSize": 10}, at=5.0, kind="fetch"),
        _entry("data:image/png;base64,AAAA", {"status": 200, "headers": [],
                                              "_transferSize": 0}, at=2.0),
        _entry("https://a.example/", {"status": 200, "headers": [], "_transferSize": 99},
               at=1.0, kind="document"),
    ]
    requests = har.requests_from_har({"log": {"entries": entries}})
    assert [r.url for r in requests] == ["https://a.example/", "https://a.example/late.json"]


def test_failed_requests_have_no_status_and_say_why():
    entry = _entry("https://gone.example/x.css", {"status": -1, "headers": [],
                                                  "_transferSize": 0,
                                                  "_failureText": "net::ERR_NAME_NOT_RESOLVED"})
    (request,) = har.requests_from_har({"log": {"entries": [entry]}})
    assert request.status is None and "ERR_NAME_NOT_RESOLVED" in request.failure
