"""What only an administrator sees: the audit log (who logged in, launched, cancelled or
managed accounts, and when)."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from ecoaudit.web import accounts
from ecoaudit.web.context import render, store_of
from ecoaudit.web.routing import nav_item, route

LOG_LINES = 200

nav_item("admin_nav_log", "admin_audit_log", role="admin")


@route("/admin/audit-log", role="admin", name="admin_audit_log")
async def audit_log(request: Request) -> Response:
    """The latest lines of the audit log, newest first."""
    entries = await run_in_threadpool(accounts.audit_log, store_of(request), LOG_LINES)
    return render(request, "web/admin-audit-log.html", entries=entries, limit=LOG_LINES)
