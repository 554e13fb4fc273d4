"""The Celery application: where tokens go, and the queue settings that make a page survive
the death of its worker.

The broker carries only tokens ("a page of run R may be claimed", "run R may be finished");
which page, and everything a user sees, lives in the database. So a token delivered twice claims
nothing the second time, and a lost token is put back from the database (`reaper.py`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from celery import Celery
from kombu.exceptions import OperationalError as KombuOperationalError

from ecoaudit.errors import EcoauditError

BROKER_ENV = "ECOAUDIT_BROKER"
QUEUE = "ecoaudit"
PAGE_TASK = "ecoaudit.crawl_page"
FINISH_TASK = "ecoaudit.finish_run"
# A message a worker took and did not acknowledge goes back to the queue after this long (Redis;
# RabbitMQ gives it back as soon as the worker's connection closes). Well above the longest
# page task; the database's leases bring a dead worker's page back much sooner (reaper.py).
VISIBILITY_TIMEOUT_SECONDS = 4 * 3600
CONNECT_TIMEOUT_SECONDS = 5
CLOSE_MARGIN_SECONDS = 30  # a page task's hard limit after its soft limit


class BrokerUnavailable(EcoauditError):
    """The broker cannot be reached; the message says which and what to do."""


@dataclass(frozen=True)
class TaskLimits:
    """A page task's time limits, from the page deadline and how many times a page is
    measured (consent states × devices × samples)."""

    soft: float
    hard: float

    @classmethod
    def for_pages(cls, page_deadline: float, measurements: int) -> TaskLimits:
        soft = page_deadline * max(1, measurements) + 60  # + waiting for the host's turn
        return cls(soft=soft, hard=soft + CLOSE_MARGIN_SECONDS)


def broker_url(given: str | None) -> str | None:
    """The broker to use: `given`, else $ECOAUDIT_BROKER, else None (crawl in-process)."""
    url = (given or os.environ.get(BROKER_ENV) or "").strip()
    return url or None


def make_app(url: str) -> Celery:
    """The Celery application on the broker `url` (redis://, rediss://, amqp://)."""
    app = Celery("ecoaudit", broker=url, set_as_current=False)
    app.conf.update(
        task_default_queue=QUEUE,
        task_acks_late=True,  # acknowledged when done: a worker that dies gives its task back
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,  # a worker holds no token it is not working on
        task_ignore_result=True,  # results are in the database, not in a result backend
        broker_transport_options={"visibility_timeout": VISIBILITY_TIMEOUT_SECONDS},
        broker_connection_timeout=CONNECT_TIMEOUT_SECONDS,
        broker_connection_retry_on_startup=True,
        broker_connection_max_retries=None,  # a broker restarting: wait for it, keep going
        worker_hijack_root_logger=False,
        worker_send_task_events=False,
        task_serializer="json",
        accept_content=["json"],
    )
    return app


def check_broker(app: Celery) -> None:
    """Raise BrokerUnavailable (one sentence) unless the broker answers within a few seconds."""
    try:
        with app.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, timeout=CONNECT_TIMEOUT_SECONDS)
    except (KombuOperationalError, OSError) as error:
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise BrokerUnavailable(
            f"Cannot reach the broker {display(app.conf.broker_url)} ({reason}): start it, or "
            f"give the right URL with --broker or {BROKER_ENV}.") from None


def send_page_tokens(app: Celery, run_id: int, count: int, limits: TaskLimits) -> None:
    """`count` tokens for pages of the run (each claims at most one page)."""
    if count <= 0:
        return
    with app.producer_or_acquire() as producer:
        for _ in range(count):
            app.send_task(PAGE_TASK, args=[run_id], queue=QUEUE, producer=producer,
                          soft_time_limit=limits.soft, time_limit=limits.hard)


def send_finish_token(app: Celery, run_id: int) -> None:
    app.send_task(FINISH_TASK, args=[run_id], queue=QUEUE)


def display(url: str | None) -> str:
    """The broker URL with any password hidden."""
    if not url:
        return "(none)"
    scheme, sep, rest = url.partition("://")
    if "@" not in rest:
        return url
    credentials, _, host = rest.rpartition("@")
    user = credentials.split(":", 1)[0]
    return f"{scheme}{sep}{user}:***@{host}" if ":" in credentials else url
