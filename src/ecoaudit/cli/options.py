"""Command-line options shared by the commands that measure pages."""

from __future__ import annotations

import os
import re

import click

from ecoaudit.measure import MeasureOptions


def parse_viewport(_context, _parameter, value: str) -> tuple[int, int]:
    match = re.fullmatch(r"\s*(\d{2,5})\s*[xX]\s*(\d{2,5})\s*", value or "")
    if not match:
        raise click.BadParameter(f"{value!r} is not WIDTHxHEIGHT, for example 1920x1080.")
    return int(match.group(1)), int(match.group(2))


PAGES_PER_CORE = 32  # the protocol's waits overlap: on 2 cores 64 pages beat 48 and 32
MEMORY_PER_PAGE_MB = 60  # a page in flight in the headless shell: about 45 MB measured, + margin
MEMORY_SHARE = 0.5  # of the memory available when the command starts
MAX_DEFAULT_CONCURRENCY = 128


def available_memory_mb() -> float | None:
    """Memory available to new processes (Linux's MemAvailable), in MB; None where unknown."""
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) / 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (ValueError, OSError, AttributeError):
        return None


def default_concurrency(cores: int | None = None, memory_mb: float | None = None) -> int:
    """Pages measured at once: 32 per core (the waits overlap), fewer when half the available
    memory cannot hold that many pages, never fewer than 2 nor more than 128
    (docs/performance.md)."""
    by_cores = PAGES_PER_CORE * (cores or os.cpu_count() or 1)
    memory = memory_mb if memory_mb is not None else available_memory_mb()
    by_memory = int(memory * MEMORY_SHARE / MEMORY_PER_PAGE_MB) if memory else by_cores
    return max(2, min(by_cores, by_memory, MAX_DEFAULT_CONCURRENCY))


def protocol_options(function):
    """Decorate a command with the measurement protocol options."""
    decorators = [
        click.option("--viewport", default="1920x1080", show_default=True,
                     callback=parse_viewport, help="Viewport WIDTHxHEIGHT."),
        click.option("--wait-before", type=click.FloatRange(0, 120), default=3.0,
                     show_default=True, help="Seconds to wait after load, before scrolling."),
        click.option("--wait-after", type=click.FloatRange(0, 120), default=3.0,
                     show_default=True, help="Seconds to wait after scrolling."),
        click.option("--timeout", type=click.FloatRange(1, 3600), default=60.0,
                     show_default=True, help="Seconds a page may take to load."),
        click.option("--no-coverage", is_flag=True,
                     help="Do not collect JS/CSS coverage (the unused-code rule becomes n/a)."),
    ]
    for decorator in reversed(decorators):
        function = decorator(function)
    return function


threshold_option = click.option(
    "--threshold", "thresholds", multiple=True, metavar="RULE.KEY=VALUE",
    help="Override a rule threshold, e.g. page-weight.warn_kb=800 (repeatable; see "
    "`ecoaudit rules`).")


def threshold_overrides(thresholds: tuple[str, ...]) -> dict[str, dict]:
    """Validated {rule: {key: value}} from --threshold options."""
    if not thresholds:
        return {}
    from ecoaudit.rules import load_catalogue, validate_overrides
    from ecoaudit.rules.options import parse_threshold_options

    return validate_overrides(parse_threshold_options(thresholds), load_catalogue(),
                              source="--threshold")


def measure_options(viewport: tuple[int, int], wait_before: float, wait_after: float,
                    timeout: float, no_coverage: bool, **extra) -> MeasureOptions:
    """MeasureOptions from the protocol options."""
    return MeasureOptions(
        viewport_width=viewport[0], viewport_height=viewport[1], wait_before=wait_before,
        wait_after=wait_after, timeout=timeout, collect_coverage=not no_coverage, **extra,
    )


MAX_REPEAT = 20


def check_devices(_context, _parameter, names: tuple[str, ...]) -> list[str]:
    """The --device names, checked against the short names and Playwright's descriptors."""
    from ecoaudit.measure.devices import UnknownDevice, check_device_name

    try:
        return list(dict.fromkeys(check_device_name(name) for name in names))
    except UnknownDevice as error:
        raise click.BadParameter(str(error)) from None


def sampling_options(function):
    """Decorate a command with --device (repeatable) and --repeat."""
    decorators = [
        click.option("--device", "devices", multiple=True, metavar="NAME",
                     callback=check_devices,
                     help='Device profile: "desktop" (1920x1080, the default), "mobile" (Pixel '
                     '7) or a Playwright device such as "iPhone 13"; repeat the option to '
                     "measure each page in several profiles."),
        click.option("--repeat", type=click.IntRange(1, MAX_REPEAT), default=1,
                     show_default=True,
                     help="Measure each page N times, each in a fresh context; the median is "
                     "retained and the spread reported."),
    ]
    for decorator in reversed(decorators):
        function = decorator(function)
    return function


broker_option = click.option(
    "--broker", default=None, envvar="ECOAUDIT_BROKER", metavar="URL",
    help="Celery broker (redis://host:6379/0, or amqp:// for RabbitMQ; default: "
    "$ECOAUDIT_BROKER). With it, crawls are queued for `ecoaudit worker` processes.")
