"""The page pipeline: measure → score → entry → sink, shared by audit, check, acceptance, crawl."""

from ecoaudit.pipeline.page import (
    PagePipeline,
    PageSink,
    measure_and_score,
    page_entry,
)

__all__ = ["PagePipeline", "PageSink", "measure_and_score", "page_entry"]
