"""`ecoaudit report` as a user runs it: where it writes, and one sentence for each user error."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from ecoaudit.store import Store

ECOAUDIT = str(Path(sys.executable).with_name("ecoaudit"))


def _report(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([ECOAUDIT, "report", *args], capture_output=True, text=True,
                          timeout=60, cwd=cwd)


def _one_sentence(stderr: str) -> str:
    assert "Traceback" not in stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    return lines[0]


def test_empty_database_gives_a_report_saying_so(tmp_path):
    Store.open(f"sqlite:///{tmp_path / 'empty.db'}").close()
    done = _report("--db", str(tmp_path / "empty.db"), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "reports/index.html" in done.stdout
    html = (tmp_path / "reports" / "index.html").read_text(encoding="utf-8")
    assert "aucun site" in html


def test_english_reports_go_to_the_folder_given(tmp_path):
    Store.open(f"sqlite:///{tmp_path / 'empty.db'}").close()
    done = _report("--db", str(tmp_path / "empty.db"), "--lang", "en", "--out", "out", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "The database holds no site yet" in (tmp_path / "out/index.html").read_text("utf-8")


def test_a_missing_database_file_is_one_sentence(tmp_path):
    done = _report("--db", str(tmp_path / "nothing.db"), cwd=tmp_path)
    assert done.returncode == 2
    assert "crawl a site first" in _one_sentence(done.stderr)
    assert not (tmp_path / "reports").exists()


def test_an_unknown_site_is_one_sentence_naming_the_known_ones(tmp_path):
    with Store.open(f"sqlite:///{tmp_path / 'db.sqlite'}") as store:
        store.upsert_site("ville", title="Ville")
    done = _report("villle", "--db", str(tmp_path / "db.sqlite"), cwd=tmp_path)
    assert done.returncode == 2
    assert "No site named villle" in _one_sentence(done.stderr)
    assert "known: ville" in done.stderr


def test_an_unwritable_output_folder_is_one_sentence(tmp_path):
    Store.open(f"sqlite:///{tmp_path / 'db.sqlite'}").close()
    (tmp_path / "taken").write_text("a file, not a folder")
    done = _report("--db", str(tmp_path / "db.sqlite"), "--out", "taken/reports", cwd=tmp_path)
    assert done.returncode == 2
    assert "Cannot write the reports to taken/reports" in _one_sentence(done.stderr)


def test_a_site_with_no_run_in_sites_toml_is_reported(tmp_path):
    Store.open(f"sqlite:///{tmp_path / 'db.sqlite'}").close()
    (tmp_path / "sites.toml").write_text(
        '[[sites]]\nname = "haganis"\ntitle = "Haganis"\nstart_urls = ["https://www.haganis.fr/"]\n',
        encoding="utf-8")
    done = _report("--db", str(tmp_path / "db.sqlite"), cwd=tmp_path)  # ./sites.toml by default
    assert done.returncode == 0, done.stderr
    site = (tmp_path / "reports/haganis/index.html").read_text(encoding="utf-8")
    assert "Aucune mesure enregistrée pour ce site." in site
