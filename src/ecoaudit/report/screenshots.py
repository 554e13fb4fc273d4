"""Screenshots of written reports, taken with ecoaudit's own browser, for the documentation.

    python -m ecoaudit.report.screenshots REPORTS_DIR DOCS_DIR [SITE]

writes DOCS_DIR/report-collectivite.png and DOCS_DIR/report-site.png (SITE, default: the first
site folder). The folder is served on 127.0.0.1 for the time of the shots.
"""

from __future__ import annotations

import sys
from pathlib import Path

from ecoaudit.measure.browser import find_chromium, launch_options
from ecoaudit.net.localserve import served_folder

WIDTH, MAX_HEIGHT = 1100, 2200


def take_screenshots(reports_dir: Path, shots: dict[str, Path]) -> list[Path]:
    """Screenshot each report page (path relative to `reports_dir`) to its PNG file."""
    from playwright.sync_api import sync_playwright

    written = []
    with served_folder(reports_dir) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(**launch_options(find_chromium()))
        page = browser.new_page(viewport={"width": WIDTH, "height": 900})
        for relative, target in shots.items():
            page.goto(f"{base}/{relative}")
            height = min(page.evaluate("document.documentElement.scrollHeight"), MAX_HEIGHT)
            target.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(target), full_page=True,
                            clip={"x": 0, "y": 0, "width": WIDTH, "height": height})
            shrink_png(target)
            written.append(target)
        browser.close()
    return written


def shrink_png(path: Path, colours: int = 64) -> None:
    """Re-save a screenshot with a small palette: a report page has few colours."""
    from PIL import Image

    with Image.open(path) as image:
        small = image.convert("RGB").quantize(colors=colours)
    small.save(path, optimize=True)


def main(argv: list[str]) -> int:
    if len(argv) not in (2, 3):
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    reports_dir, docs_dir = Path(argv[0]), Path(argv[1])
    sites = sorted(p.parent.name for p in reports_dir.glob("*/index.html"))
    site = argv[2] if len(argv) == 3 else (sites[0] if sites else None)
    shots = {"index.html": docs_dir / "report-collectivite.png"}
    if site:
        shots[f"{site}/index.html"] = docs_dir / "report-site.png"
    for path in take_screenshots(reports_dir, shots):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
