"""`ecoaudit sites import` and `sites list`: a CSV of other collectivités' sites added to
sites.toml (comments kept, bad rows refused, re-import idempotent), and the population and
category keys of sites.toml."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from ecoaudit.cli import cli
from ecoaudit.config import load_config, parse_config
from ecoaudit.config.sites_import import import_sites
from ecoaudit.errors import ConfigError
from ecoaudit.scoring.size_categories import category_for_population, size_category_of

SITES_TOML = """\
# Sites de l'Eurométropole de Metz : ce commentaire doit survivre à l'import.
[defaults]
max_pages = 50  # assez pour un site moyen
min_delay = 2.0

# La métropole elle-même
[[sites]]
name = "eurometropole"   # ne pas renommer : l'historique en dépend
title = "Eurométropole de Metz"
start_urls = ["https://www.eurometropolemetz.eu/"]
population = 225000

[[sites]]
name = "metz"
title = "Ville de Metz"
start_urls = ["https://metz.fr/"]
max_depth = 4
population = 120211
# fin du fichier
"""


@pytest.fixture
def sites_toml(tmp_path: Path) -> Path:
    path = tmp_path / "sites.toml"
    path.write_text(SITES_TOML, encoding="utf-8")
    return path


def _csv(tmp_path: Path, text: str, name: str = "benchmark.csv", *, bom: bool = False) -> Path:
    path = tmp_path / name
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return path


COMMA_CSV = """\
name,title,url,population
nancy,Ville de Nancy,https://www.nancy.fr,104387
grenoble,Grenoble-Alpes Métropole,https://www.grenoblealpesmetropole.fr/,"451 752"
epinal,Ville d'Épinal,https://www.epinal.fr/,31971
"""


def test_comma_csv_adds_benchmark_sites_and_keeps_every_comment(sites_toml, tmp_path):
    outcome = import_sites(_csv(tmp_path, COMMA_CSV), sites_toml)
    assert (outcome.added, outcome.updated, outcome.unchanged, outcome.rejected) == (
        ["nancy", "grenoble", "epinal"], {}, [], [])
    assert outcome.written and outcome.sites_after == 5
    text = sites_toml.read_text(encoding="utf-8")
    assert text.startswith(SITES_TOML.rstrip("\n"))  # the user's text, byte for byte, first
    for comment in ("# Sites de l'Eurométropole", "# assez pour un site moyen",
                    "# La métropole elle-même", "# ne pas renommer", "# fin du fichier"):
        assert comment in text
    config = load_config(sites_toml)
    nancy = config.site("nancy")
    assert (nancy.group, nancy.title, nancy.start_urls) == (
        "benchmark", "Ville de Nancy", ["https://www.nancy.fr/"])
    assert (nancy.population, nancy.category, nancy.size_category) == (104387, None, "100k-250k")
    assert (nancy.max_pages, nancy.max_depth, nancy.sitemap) == (10, 1, True)
    assert nancy.min_delay == 2.0  # the polite defaults of [defaults] still apply
    assert config.site("grenoble").population == 451752
    assert config.site("grenoble").size_category == "over-250k"
    assert config.site("epinal").title == "Ville d'Épinal"
    assert config.site("metz").max_depth == 4 and config.site("metz").group == "own"


SEMICOLON_CSV = """\
Identifiant;Nom;Adresse du site;Catégorie;Population;Région
thionville;Ville de Thionville;https://thionville.fr/;;40 778;Grand Est
saint-avold;Saint-Avold;https://www.mairie-saint-avold.fr/;De 10 000 à 49 999 habitants;;Grand Est
forbach;Forbach;https://www.mairie-forbach.fr/;under-10k;21000;Grand Est

"""


def test_semicolons_bom_and_french_headers_are_read(sites_toml, tmp_path):
    source = _csv(tmp_path, SEMICOLON_CSV, bom=True)
    outcome = import_sites(source, sites_toml, pages=5)
    assert outcome.added == ["thionville", "saint-avold", "forbach"]
    assert outcome.ignored_columns == ["Région"]
    config = load_config(sites_toml)
    thionville, saint_avold, forbach = (config.site(name) for name in outcome.added)
    assert (thionville.title, thionville.population, thionville.size_category) == (
        "Ville de Thionville", 40778, "10k-50k")
    assert (saint_avold.category, saint_avold.population) == ("10k-50k", None)
    # A category given explicitly wins over the population's.
    assert (forbach.category, forbach.population, forbach.size_category) == (
        "under-10k", 21000, "under-10k")
    assert thionville.max_pages == 5


def test_re_importing_the_same_file_changes_nothing(sites_toml, tmp_path):
    source = _csv(tmp_path, COMMA_CSV)
    import_sites(source, sites_toml)
    first = sites_toml.read_bytes()
    again = import_sites(source, sites_toml)
    assert (again.added, again.updated, again.unchanged) == (
        [], {}, ["nancy", "grenoble", "epinal"])
    assert not again.written and sites_toml.read_bytes() == first
    assert len(load_config(sites_toml).sites) == 5  # no duplicate


def test_a_changed_row_updates_its_site_and_own_sites_are_never_touched(sites_toml, tmp_path):
    import_sites(_csv(tmp_path, COMMA_CSV), sites_toml)
    # A hand edit of an imported site's other settings survives the update.
    text = sites_toml.read_text(encoding="utf-8").replace(
        'name = "nancy"', 'name = "nancy"\n# revu à la main\nmax_documents = 5')
    sites_toml.write_text(text, encoding="utf-8")
    changed = _csv(tmp_path, """\
name,title,url,population
nancy,Nancy,https://www.nancy.fr/,105000
grenoble,Grenoble-Alpes Métropole,https://grenoble.fr/,451752
epinal,Ville d'Épinal,https://www.epinal.fr/,31971
metz,Metz (copie de l'Observatoire),https://www.metz.fr/,118000
""", "changed.csv")
    outcome = import_sites(changed, sites_toml)
    assert outcome.updated == {"nancy": ["title", "population"], "grenoble": ["start_urls"]}
    assert outcome.unchanged == ["epinal"] and outcome.added == []
    assert len(outcome.skipped) == 1 and outcome.skipped[0].startswith("Line 5: 'metz'")
    config = load_config(sites_toml)
    nancy = config.site("nancy")
    assert (nancy.title, nancy.population, nancy.max_documents) == ("Nancy", 105000, 5)
    assert config.site("grenoble").start_urls == ["https://grenoble.fr/"]
    metz = config.site("metz")
    assert (metz.title, metz.population, metz.group, metz.start_urls) == (
        "Ville de Metz", 120211, "own", ["https://metz.fr/"])
    assert "# revu à la main" in sites_toml.read_text(encoding="utf-8")


def test_bad_rows_are_each_named_and_nothing_is_written(sites_toml, tmp_path):
    before = sites_toml.read_bytes()
    source = _csv(tmp_path, """\
name,title,url,population
nancy,Ville de Nancy,https://www.nancy.fr/,104387
intranet,Intranet,http://192.168.1.10/,1000
localhost,Poste local,http://localhost:8000/,1000
ftp,Serveur FTP,ftp://files.example.org/,1000
sans-schema,Sans schéma,www.example.org,1000
Ville de Nancy,Doublon mal nommé,https://www.nancy.fr/,104387
nancy,Doublon,https://nancy.example.org/,104387
peuple,Peuplé,https://peuple.example.org/,beaucoup
""")
    outcome = import_sites(source, sites_toml)
    assert not outcome.written and outcome.added == []
    assert sites_toml.read_bytes() == before
    rejected = outcome.rejected
    assert [sentence.split(":")[0] for sentence in rejected] == [
        f"Line {line}" for line in range(3, 10)]
    assert "private address (192.168.1.10)" in rejected[0]
    assert "private address (localhost)" in rejected[1]
    assert "ftp: scheme" in rejected[2]
    assert "not an absolute URL: write it with http:// or https://" in rejected[3]
    assert "'Ville de Nancy' is not a site name" in rejected[4]
    assert "e.g. 'ville-de-nancy'" in rejected[4]
    assert "already used on line 2" in rejected[5]
    assert "'beaucoup' is not a number of inhabitants" in rejected[6]
    assert all(sentence.endswith(".") and "\n" not in sentence for sentence in rejected)


def test_a_row_with_cells_beyond_the_header_is_refused(sites_toml, tmp_path):
    outcome = import_sites(_csv(tmp_path, "name,url,population\n"
                                          "nancy,https://www.nancy.fr/,104,387\n"), sites_toml)
    assert len(outcome.rejected) == 1 and outcome.rejected[0].startswith("Line 2 has 4 cells")


def test_a_file_without_the_name_or_url_column_is_refused_in_one_sentence(sites_toml, tmp_path):
    with pytest.raises(ConfigError, match="line 1 must be a header naming the columns name and"):
        import_sites(_csv(tmp_path, "site;adresse\nnancy;https://www.nancy.fr/\n"), sites_toml)


def test_dry_run_writes_nothing(sites_toml, tmp_path):
    before = sites_toml.read_bytes()
    outcome = import_sites(_csv(tmp_path, COMMA_CSV), sites_toml, dry_run=True)
    assert outcome.added == ["nancy", "grenoble", "epinal"] and outcome.sites_after == 5
    assert not outcome.written and sites_toml.read_bytes() == before


def test_an_import_into_a_file_without_sites_creates_the_array(tmp_path):
    path = tmp_path / "sites.toml"
    path.write_text("# vide pour l'instant\n[defaults]\nmax_pages = 20\n", encoding="utf-8")
    import_sites(_csv(tmp_path, COMMA_CSV), path)
    assert [site.name for site in load_config(path).sites] == ["nancy", "grenoble", "epinal"]
    assert path.read_text(encoding="utf-8").startswith("# vide pour l'instant\n")


def test_cli_import_and_list(sites_toml, tmp_path):
    runner = CliRunner()
    source = _csv(tmp_path, COMMA_CSV)
    result = runner.invoke(cli, ["sites", "import", str(source), "--group", "benchmark",
                                 "--config", str(sites_toml), "--pages", "8"])
    assert result.exit_code == 0, result.output
    assert ("benchmark.csv -> sites.toml (group benchmark): 3 added, 0 updated, 0 unchanged, "
            "0 skipped, 0 rejected.") in result.output
    assert "sites.toml written and loaded back: 5 sites." in result.output
    assert load_config(sites_toml).site("epinal").max_pages == 8
    listed = runner.invoke(cli, ["sites", "list", "--config", str(sites_toml)])
    assert listed.exit_code == 0, listed.output
    lines = listed.output.splitlines()
    assert lines[0].split() == ["Name", "Group", "Category", "Population", "URL"]
    assert lines[1].split() == ["eurometropole", "own", "(100k-250k)", "225000",
                                "https://www.eurometropolemetz.eu/"]
    assert lines[-1].split() == ["epinal", "benchmark", "(10k-50k)", "31971",
                                 "https://www.epinal.fr/"]
    only = runner.invoke(cli, ["sites", "list", "--config", str(sites_toml), "--group", "own"])
    assert [line.split()[0] for line in only.output.splitlines()[1:]] == ["eurometropole", "metz"]


def test_cli_refuses_a_file_with_a_bad_row_with_status_2(sites_toml, tmp_path):
    before = sites_toml.read_bytes()
    source = _csv(tmp_path, "name;url\nnancy;https://www.nancy.fr/\nlan;http://10.0.0.8/\n")
    done = subprocess.run(
        [sys.executable, "-m", "ecoaudit", "sites", "import", str(source), "--config",
         str(sites_toml)], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 2
    assert "Line 3: http://10.0.0.8/ is on a local or private address" in done.stderr
    assert "Nothing written: fix the 1 bad row of benchmark.csv above" in done.stderr
    assert "1 rejected" in done.stdout
    assert sites_toml.read_bytes() == before


# -- population and category in sites.toml ------------------------------------------------------


def _site(**keys):
    return parse_config({"sites": [{"name": "ville", "start_urls": ["https://ville.example/"],
                                    **keys}]}).sites[0]


def test_population_and_category_are_checked_and_kept_in_the_stored_snapshot():
    site = _site(population=120211, category="De 100 000 à 249 999 habitants")
    assert (site.population, site.category, site.size_category) == (120211, "100k-250k",
                                                                    "100k-250k")
    snapshot = site.redacted()
    assert (snapshot["population"], snapshot["category"]) == (120211, "100k-250k")
    assert _site().size_category is None
    with pytest.raises(ConfigError, match="population must be a number of inhabitants"):
        _site(population=0)
    with pytest.raises(ConfigError, match='category must be one of the size categories "under'):
        _site(category="métropole")
    with pytest.raises(ConfigError, match="specific to each site"):
        parse_config({"defaults": {"population": 1000}})


@pytest.mark.parametrize(("population", "category"), [
    (1, "under-10k"), (9_999, "under-10k"), (10_000, "10k-50k"), (49_999, "10k-50k"),
    (50_000, "50k-100k"), (120_211, "100k-250k"), (225_000, "100k-250k"),
    (250_000, "over-250k"), (2_100_000, "over-250k"),
])
def test_size_brackets_include_their_lower_bound(population, category):
    assert category_for_population(population) == category
    assert size_category_of(population, None) == category
    assert size_category_of(population, "under-10k") == "under-10k"
