"""Downloads: a run as CSV or as its JSON document (as `ecoaudit export` writes them), and a
site's static report bundle (`generate_reports` into a temporary folder, zipped in memory)."""

from __future__ import annotations

import io
import json
import tempfile
import zipfile
from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from ecoaudit.export.run_csv import write_run_csv
from ecoaudit.report import generate_reports
from ecoaudit.report.loader import SitesConfig, UnknownSite
from ecoaudit.report.model import site_slug
from ecoaudit.store import RunNotFound, Store
from ecoaudit.web.context import language_of, settings_of, store_of
from ecoaudit.web.routing import route
from ecoaudit.web.views.read_data import not_found, sites_config


def _attachment(body: bytes, media_type: str, filename: str) -> Response:
    return Response(body, media_type=media_type, headers={
        "Content-Disposition": f'attachment; filename="{filename}"',
        "X-Content-Type-Options": "nosniff",
    })


def run_csv(store: Store, run_id: int) -> bytes:
    """One row per page row of the run (docs/export.md), as `ecoaudit export --format csv`."""
    try:
        run = store.run(run_id)
    except RunNotFound:
        raise not_found(f"run {run_id}") from None
    buffer = io.StringIO()
    write_run_csv(run, store.page_summaries(run_id), buffer)
    return buffer.getvalue().encode("utf-8")


def run_json(store: Store, run_id: int) -> bytes:
    """The run's JSON document, as `ecoaudit export --format json`."""
    try:
        document = store.run_document(run_id)
    except RunNotFound:
        raise not_found(f"run {run_id}") from None
    return (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def report_bundle(store: Store, config: SitesConfig | None, name: str, lang: str) -> bytes:
    """The static report of one site (with the collectivité page covering it) as a zip."""
    with tempfile.TemporaryDirectory(prefix="ecoaudit-web-report-") as folder:
        try:
            written = generate_reports(store, folder, lang=lang, site_names=[name],
                                       config=config)
        except UnknownSite:
            raise not_found(f"site {name}") from None
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(written.files):
                archive.write(path, Path(path).relative_to(folder).as_posix())
    return buffer.getvalue()


@route("/runs/{run_id:int}/export.csv", name="read_export_csv")
async def export_csv(request: Request) -> Response:
    """A run as CSV."""
    run_id = request.path_params["run_id"]
    body = await run_in_threadpool(run_csv, store_of(request), run_id)
    return _attachment(body, "text/csv; charset=utf-8", f"ecoaudit-run-{run_id}.csv")


@route("/runs/{run_id:int}/export.json", name="read_export_json")
async def export_json(request: Request) -> Response:
    """A run as its JSON document."""
    run_id = request.path_params["run_id"]
    body = await run_in_threadpool(run_json, store_of(request), run_id)
    return _attachment(body, "application/json", f"ecoaudit-run-{run_id}.json")


@route("/sites/{name}/report.zip", name="read_site_bundle")
async def site_bundle(request: Request) -> Response:
    """A site's static report bundle, in the language asked (`?lang=en`) or French."""
    name = request.path_params["name"]
    lang = language_of(request)
    config = sites_config(settings_of(request).config_path)
    body = await run_in_threadpool(report_bundle, store_of(request), config, name, lang)
    return _attachment(body, "application/zip", f"ecoaudit-report-{site_slug(name)}.zip")
