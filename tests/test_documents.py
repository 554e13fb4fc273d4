"""Linked documents: recognised by extension or type, sized with HEAD or a counting GET."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from ecoaudit.config import adhoc_site
from ecoaudit.crawl.documents import inspect, is_document_content_type, is_document_url
from local_http import NO_LENGTH, LocalHttpServer

PDF = b"%PDF-1.7\n" + b"x" * 12_345


def run_inspect(server: LocalHttpServer, path: str, **kwargs: Any) -> dict[str, Any]:
    async def scenario() -> dict[str, Any]:
        async with httpx.AsyncClient() as client:
            return await inspect(client, server.url(path), server.url("/page"), " Rapport ",
                                 site=adhoc_site(server.url("/")), **kwargs)

    return asyncio.run(scenario())


@pytest.mark.parametrize(
    "url",
    ["https://metz.fr/files/rapport.PDF", "https://metz.fr/a/budget%202024.xlsx?v=2",
     "https://metz.fr/d.odt", "https://metz.fr/d.docx", "https://metz.fr/archive.zip",
     "https://metz.fr/data.csv#x"],
)
def test_document_extensions_are_recognised(url: str) -> None:
    assert is_document_url(url)


@pytest.mark.parametrize("url", ["https://metz.fr/", "https://metz.fr/page.php",
                                 "https://metz.fr/pdf/", "https://metz.fr/rapport.pdf.html"])
def test_pages_are_not_documents(url: str) -> None:
    assert not is_document_url(url)


def test_document_content_types_are_recognised() -> None:
    assert is_document_content_type("application/pdf")
    assert is_document_content_type(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    assert is_document_content_type("application/vnd.oasis.opendocument.text; charset=binary")
    assert not is_document_content_type("text/html; charset=utf-8")
    assert not is_document_content_type(None)


def test_head_gives_type_and_size_without_downloading() -> None:
    routes = {"/r.pdf": (200, {"Content-Type": "application/pdf"}, PDF)}
    with LocalHttpServer(routes) as server:
        record = run_inspect(server, "/r.pdf")
        methods = [r.method for r in server.requests]
    assert methods == ["HEAD"]
    assert record == {
        "url": server.url("/r.pdf"), "final_url": server.url("/r.pdf"), "status": 200,
        "content_type": "application/pdf", "size_bytes": len(PDF),
        "found_on": server.url("/page"), "link_text": "Rapport", "error": None,
        "size_source": "content-length",
    }


def test_get_counts_the_bytes_when_head_gives_no_length() -> None:
    routes = {"/a.zip": (200, {"Content-Type": "application/zip", NO_LENGTH: "1"}, b"z" * 54_321)}
    with LocalHttpServer(routes) as server:
        record = run_inspect(server, "/a.zip")
        methods = [r.method for r in server.requests]
    assert methods == ["HEAD", "GET"]
    assert record["size_bytes"] == 54_321 and record["size_source"] == "counted"
    assert record["content_type"] == "application/zip" and record["error"] is None


def test_head_405_falls_back_to_get() -> None:
    routes = {
        "HEAD /r.pdf": (405, {"Allow": "GET"}, b""),
        "/r.pdf": (200, {"Content-Type": "application/pdf"}, PDF),
    }
    with LocalHttpServer(routes) as server:
        record = run_inspect(server, "/r.pdf")
        methods = [r.method for r in server.requests]
    assert methods == ["HEAD", "GET"]
    assert (record["status"], record["size_bytes"]) == (200, len(PDF))
    assert record["size_source"] == "content-length"


def test_redirected_document_records_its_final_url() -> None:
    routes = {
        "/old.pdf": (301, {"Location": "/new.pdf"}, b""),
        "/new.pdf": (200, {"Content-Type": "application/pdf"}, PDF),
    }
    with LocalHttpServer(routes) as server:
        record = run_inspect(server, "/old.pdf")
    assert record["final_url"] == server.url("/new.pdf")
    assert record["size_bytes"] == len(PDF)


def test_missing_document_is_recorded_with_its_error() -> None:
    with LocalHttpServer() as server:
        record = run_inspect(server, "/gone.pdf")
    assert record["status"] == 404 and record["error"] == "HTTP 404"
    assert record["size_bytes"] is None


def test_document_on_a_private_address_is_refused_for_a_public_site() -> None:
    async def scenario() -> dict[str, Any]:
        site = adhoc_site("https://193.51.1.1/")
        async with httpx.AsyncClient() as client:
            return await inspect(client, "http://127.0.0.1:9/x.pdf", "https://193.51.1.1/", "",
                                 site=site)

    record = asyncio.run(scenario())
    assert record["status"] is None and "private address" in record["error"]
