"""Crawls on several machines: Celery workers share a PostgreSQL database and a broker.

`submit.queue_crawls` opens the runs and their frontier in the database and puts one token per
page on the broker; `ecoaudit worker` (`worker.run_worker`) takes tokens, claims pages in the
database (`store/work_queue.py`), measures them with one browser exactly as a local crawl does,
and, for the last page of a run, finishes it (documents, journeys, site findings). See
docs/scale.md.
"""
