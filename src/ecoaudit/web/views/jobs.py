"""GET /jobs, GET /jobs/{id}, POST /jobs/{id}/cancel and an acceptance's downloads.

The list and a job's page refresh themselves (a meta refresh, no script) while a job is queued
or running. An acceptance job offers its printable report and its evidence bundle: the folder
the command line writes, zipped as it is (its MANIFEST.sha256 included).
"""

from __future__ import annotations

import json
import os
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response

from ecoaudit.web import errors
from ecoaudit.web.context import record, render, url_for
from ecoaudit.web.jobs import job_folder, runner_of
from ecoaudit.web.routing import route
from ecoaudit.workflows.acceptance.evidence import EVIDENCE_DIR, REPORT_NAME

REFRESH_SECONDS = 2
LIST_LENGTH = 50


async def _job(request: Request) -> dict[str, Any] | None:
    runner = await runner_of(request)
    return await run_in_threadpool(runner.jobs.get, int(request.path_params["job_id"]))


def _not_found(request: Request) -> Response:
    return errors.error_page(request, 404, errors.message(request, "act_error_no_job"))


@route("/jobs", name="act_jobs")
async def jobs_page(request: Request) -> Response:
    """The latest jobs with their state, position or progress."""
    runner = await runner_of(request)
    jobs = await run_in_threadpool(runner.jobs.recent, LIST_LENGTH)
    active = any(job["active"] for job in jobs)
    return render(request, "web/jobs.html", jobs=jobs,
                  refresh=REFRESH_SECONDS if active else None)


@route("/jobs/{job_id:int}", name="act_job")
async def job_page(request: Request) -> Response:
    """One job: its state, progress, reason, results and downloads."""
    job = await _job(request)
    if job is None:
        return _not_found(request)
    deliverable = await run_in_threadpool(_deliverable, request, job)
    return render(request, "web/job.html", job=job, deliverable=deliverable,
                  refresh=REFRESH_SECONDS if job["active"] else None,
                  run_url=lambda run_id: request.scope.get("root_path", "") + f"/runs/{run_id}")


@route("/jobs/{job_id:int}/cancel", role="operator", methods=("POST",), name="act_job_cancel")
async def cancel_job(request: Request) -> Response:
    """Cancel a queued job at once, or ask a running one to stop at its next page."""
    runner = await runner_of(request)
    job_id = int(request.path_params["job_id"])
    job = await run_in_threadpool(runner.jobs.cancel, job_id)
    if job is None:
        return _not_found(request)
    runner.cancel(job_id)
    await run_in_threadpool(record, request, "cancel", f"job {job_id}: {job['kind']}",
                            f"state {job['state']}")
    return RedirectResponse(url_for(request, "act_job", job_id=job_id), status_code=303)


@route("/jobs/{job_id:int}/report", name="act_job_report")
async def job_report(request: Request) -> Response:
    """An acceptance's printable report."""
    folder = await _acceptance_folder(request)
    if folder is None:
        return _not_found(request)
    return FileResponse(folder / REPORT_NAME, media_type="text/html; charset=utf-8")


@route("/jobs/{job_id:int}/bundle.zip", name="act_job_bundle")
async def job_bundle(request: Request) -> Response:
    """An acceptance's whole folder (report, evidence, MANIFEST.sha256) as a zip file."""
    folder = await _acceptance_folder(request)
    if folder is None:
        return _not_found(request)
    archive = await run_in_threadpool(zip_folder, folder)
    return FileResponse(archive, media_type="application/zip",
                        filename=f"recette-job-{request.path_params['job_id']}.zip",
                        background=BackgroundTask(archive.unlink, missing_ok=True))


async def _acceptance_folder(request: Request) -> Path | None:
    """The folder of a finished acceptance job, None when there is none."""
    job = await _job(request)
    if job is None or job["kind"] != "acceptance" or job["state"] != "done":
        return None
    runner = await runner_of(request)
    folder = job_folder(runner.settings, job["id"])
    return folder if (folder / REPORT_NAME).is_file() else None


def zip_folder(folder: Path) -> Path:
    """A temporary zip of every file of `folder`, paths relative to it."""
    descriptor, name = tempfile.mkstemp(prefix="ecoaudit-bundle-", suffix=".zip")
    os.close(descriptor)
    with zipfile.ZipFile(name, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(folder).as_posix())
    return Path(name)


def _deliverable(request: Request, job: dict[str, Any]) -> dict[str, Any] | None:
    """An acceptance's verdict, pages (the deliverable's URLs) and clauses, from its results."""
    if job["kind"] != "acceptance" or job["state"] != "done":
        return None
    folder = Path(job["result"].get("folder", ""))
    try:
        results = json.loads((folder / EVIDENCE_DIR / "resultats.json").read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return {"outcome": results.get("outcome_label"),
            "pages": [{"url": page.get("url"), "grade": (page.get("ecoindex") or {}).get("grade"),
                       "error": page.get("error")} for page in results.get("pages", [])],
            "clauses": [{"id": clause.get("id"), "label": clause.get("label"),
                         "requirement": clause.get("requirement")}
                        for clause in results.get("clauses", [])]}
