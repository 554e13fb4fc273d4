"""The page pipeline: measure → score → entry → sink, shared by audit, check, acceptance, crawl."""

from ecoaudit.pipeline.page import (
    PagePipeline,
    PageSamples,
    PageSink,
    measure_and_score,
    measure_samples,
    page_entry,
)

__all__ = ["PagePipeline", "PageSamples", "PageSink", "measure_and_score", "measure_samples",
           "page_entry"]
