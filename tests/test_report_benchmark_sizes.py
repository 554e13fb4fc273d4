"""The benchmark page compares the collectivité with other collectivités of its size: one table
per size category, computed from runs stored in a real SQLite file."""

from __future__ import annotations

import statistics
from pathlib import Path

import pytest

from ecoaudit.config import parse_config
from ecoaudit.metrics import ecoindex
from ecoaudit.report import generate_reports
from ecoaudit.report.collectivite import build_collectivite_report
from ecoaudit.report.loader import load_sites
from ecoaudit.report.site import build_site_report
from ecoaudit.store import Store
from store_samples import sample_capture, sample_co2, sample_findings

# name -> (group, title, size keys, pages as (nodes, bytes of each request); None: no run)
SITES = {
    "eurometropole": ("own", "Eurométropole de Metz", {"population": 225_000},
                      [(2000, (200_000,) * 20)]),
    "metz": ("own", "Ville de <b>Metz</b>", {"population": 120_211}, [(400, (30_000,) * 5)]),
    "agence": ("own", "Agence sans taille", {}, [(500, (50_000,) * 2)]),
    "nancy": ("benchmark", "Ville de Nancy", {"population": 104_387},
              [(300, (20_000, 5_000, 75_000)), (900, (50_000,) * 6), (1500, (100_000,) * 10)]),
    "reims": ("benchmark", "Grand Reims", {"category": "100k-250k"}, [(600, (40_000,) * 4)]),
    "jamais": ("benchmark", "Jamais mesuré", {"population": 150_000}, None),
    "grenoble": ("benchmark", "Grenoble-Alpes Métropole", {"population": 451_752},
                 [(800, (60_000,) * 8)]),
    "petite": ("benchmark", "Petite commune", {"population": 4_000}, [(100, (10_000,))]),
    "inconnue": ("benchmark", "Taille non déclarée", {}, [(700, (70_000,) * 7)]),
}


def _score(nodes: int, request_bytes: tuple[int, ...]) -> float:
    return ecoindex.compute(nodes, len(request_bytes), sum(request_bytes) / 1000).score


def _medians(name: str) -> tuple[float, float, float]:
    """Median score, weight (KB) and requests of a site's pages, computed here by hand."""
    pages = SITES[name][3] or []
    return (float(statistics.median(_score(nodes, sizes) for nodes, sizes in pages)),
            float(statistics.median(sum(sizes) / 1000 for _, sizes in pages)),
            float(statistics.median(len(sizes) for _, sizes in pages)))


@pytest.fixture
def store(tmp_path: Path):
    """A SQLite file holding every site of SITES, its config snapshot as a crawl stores it
    (SiteConfig.redacted()) and one completed run (plus a failed page for Nancy)."""
    config = parse_config({"sites": [
        {"name": name, "title": title, "group": group, "start_urls": [f"https://{name}.example/"],
         **size} for name, (group, title, size, _) in SITES.items()]})
    with Store.open(f"sqlite:///{tmp_path / 'ecoaudit.db'}") as opened:
        for site in config.sites:
            opened.upsert_site(site.name, title=site.title, group=site.group,
                               config=site.redacted())
            pages = SITES[site.name][3]
            if pages is None:
                continue
            run_id = opened.start_run(site.name)
            captures = [sample_capture(f"/p{index}", nodes=nodes, request_bytes=sizes)
                        for index, (nodes, sizes) in enumerate(pages)]
            if site.name == "nancy":
                captures.append(sample_capture("/en-panne", error="timeout"))
            for capture in captures:
                opened.record_page(run_id, capture=capture, findings=sample_findings(),
                                   co2=sample_co2())
            opened.finish_run(run_id, "completed")
        yield opened


def _collectivite(sites):
    return build_collectivite_report([build_site_report(site, year=2026) for site in sites])


def test_size_table_is_computed_from_the_stored_runs_and_snapshots(store):
    report = _collectivite(load_sites(store))  # no sites.toml: sizes from the stored snapshots
    rows = {row.category: row for row in report.sizes}
    assert list(rows) == ["under-10k", "100k-250k", "over-250k", None]

    middle = rows["100k-250k"]
    nancy, reims = _medians("nancy"), _medians("reims")
    assert (middle.benchmark_sites, middle.benchmark_pages) == (2, 4)  # "jamais": no run
    assert middle.score_median == pytest.approx((nancy[0] + reims[0]) / 2)
    assert middle.size_kb_median == pytest.approx((nancy[1] + reims[1]) / 2)
    assert middle.requests_median == pytest.approx((nancy[2] + reims[2]) / 2)
    assert middle.grade == ecoindex.grade(round(middle.score_median))
    placed = {p.report.site.name: p for p in middle.own}
    assert list(placed) == ["eurometropole", "metz"]  # by title
    metz = _medians("metz")
    assert (placed["metz"].medians.score, placed["metz"].medians.size_kb,
            placed["metz"].medians.requests) == pytest.approx(metz)
    assert placed["metz"].score_gap == pytest.approx(metz[0] - middle.score_median)

    assert rows["over-250k"].benchmark_sites == 1 and rows["over-250k"].own == []
    assert rows["over-250k"].score_median == pytest.approx(_medians("grenoble")[0])
    assert rows["under-10k"].size_kb_median == pytest.approx(10.0)
    unknown = rows[None]
    assert unknown.benchmark_sites == 1 and [p.report.site.name for p in unknown.own] == ["agence"]
    # The figures of the whole benchmark group are still there.
    assert report.benchmark.pooled.pages_measured == 7
    assert [r.site.name for r in report.benchmark.sites][:2] == ["reims", "grenoble"]  # by title


def test_sites_toml_sizes_win_over_the_stored_snapshot(store):
    config = parse_config({"sites": [
        {"name": name, "title": title, "group": group, "start_urls": [f"https://{name}.example/"],
         **({"population": 300_000} if name == "metz" else size)}
        for name, (group, title, size, _) in SITES.items()]})
    rows = {row.category: row for row in _collectivite(load_sites(store, config)).sizes}
    assert [p.report.site.name for p in rows["over-250k"].own] == ["metz"]
    assert [p.report.site.name for p in rows["100k-250k"].own] == ["eurometropole"]


def test_benchmark_page_shows_one_table_per_size_in_french_and_english(store, tmp_path):
    fr = generate_reports(store, tmp_path / "fr", lang="fr").index.parent / "benchmark.html"
    page = fr.read_text(encoding="utf-8")
    assert "<h2>Comparaison par taille de collectivité</h2>" in page
    headings = [part.split("</h3>")[0] for part in page.split("<h3>")[1:]]
    assert headings == ["Moins de 10 000 habitants", "De 100 000 à 249 999 habitants",
                        "250 000 habitants et plus",
                        "Taille inconnue (ni population ni catégorie)"]
    middle = page.split("<h3>De 100 000 à 249 999 habitants</h3>")[1].split("</table>")[0]
    assert "Sites de comparaison de cette taille" in middle
    assert "Ville de &lt;b&gt;Metz&lt;/b&gt;" in middle and "<b>Metz" not in middle
    assert "Eurométropole de Metz" in middle and "Agence sans taille" not in middle
    assert '<td class="n">2</td><td class="n">4</td>' in middle  # 2 sites, 4 pages measured
    # The list of benchmark sites, with the group's totals, follows.
    listed = page.split("<h2>Chaque site de comparaison</h2>")[1]
    assert "Jamais mesuré" in listed and "Ensemble" in listed
    assert "Eurométropole de Metz" not in listed  # own sites are in the size tables only

    en = generate_reports(store, tmp_path / "en", lang="en").index.parent / "benchmark.html"
    english = en.read_text(encoding="utf-8")
    assert "<h2>Comparison by size of collectivité</h2>" in english
    assert "<h3>100,000 to 249,999 inhabitants</h3>" in english
    assert "<h3>Unknown size (neither population nor category)</h3>" in english
    assert "Benchmark sites of this size" in english


def test_an_own_site_not_yet_measured_is_placed_without_figures(tmp_path):
    config = parse_config({"sites": [
        {"name": "metz", "start_urls": ["https://metz.example/"], "population": 120_211}]})
    with Store.open(f"sqlite:///{tmp_path / 'ecoaudit.db'}") as store:
        report = _collectivite(load_sites(store, config))
    (row,) = report.sizes
    assert (row.category, row.benchmark_sites, row.score_median) == ("100k-250k", 0, None)
    (placed,) = row.own
    assert placed.medians.pages == 0 and placed.score_gap is None
