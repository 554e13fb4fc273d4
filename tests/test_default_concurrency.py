"""The default number of pages measured at once follows the cores and the available memory."""

from __future__ import annotations

from ecoaudit.cli.options import available_memory_mb, default_concurrency


def test_thirty_two_pages_per_core_when_memory_allows():
    assert default_concurrency(cores=2, memory_mb=24_000) == 64
    assert default_concurrency(cores=1, memory_mb=24_000) == 32


def test_half_the_available_memory_caps_it():
    assert default_concurrency(cores=8, memory_mb=2_400) == 20  # 1,200 MB / 60 MB a page
    assert default_concurrency(cores=2, memory_mb=1_000) == 8


def test_never_fewer_than_two_nor_more_than_a_hundred_and_twenty_eight():
    assert default_concurrency(cores=1, memory_mb=50) == 2
    assert default_concurrency(cores=32, memory_mb=1_000_000) == 128


def test_this_machine_reports_its_available_memory():
    memory = available_memory_mb()
    assert memory is not None and memory > 100
    assert 2 <= default_concurrency() <= 128
