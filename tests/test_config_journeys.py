"""sites.toml's journeys, login, logout_exclude, device(s) and repeat keys: read at load, so a
bad value or a bad journey file stops the configuration before anything runs."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from ecoaudit.config import adhoc_site, load_config, load_journey
from ecoaudit.config.schema import DEFAULT_LOGOUT_PATTERNS
from ecoaudit.errors import ConfigError

ECOAUDIT = Path(sys.executable).parent / "ecoaudit"
SECRET = "pw-Secr3t-987"

SEARCH = """\
name = "recherche"
start_url = "/"

[[steps]]
name = "Recherche"
fill = "#q"
value = "piscine"

[[steps]]
name = "Valider"
press = "#q"
value = "Enter"
"""

LOGIN = """\
name = "connexion"
start_url = "/compte/connexion"

[[steps]]
name = "Identifiant"
fill = "#username"
value = "${ECOAUDIT_TEST_LOGIN_USER}"

[[steps]]
name = "Mot de passe"
fill = "#password"
value = "${ECOAUDIT_TEST_LOGIN_PASSWORD}"

[[steps]]
name = "Se connecter"
click = "role=button[name='Se connecter']"
"""

SITE = """\
[[sites]]
name = "metz"
start_urls = ["https://www.metz.fr/"]
"""


def write(tmp_path: Path, sites: str, **journeys: str) -> Path:
    (tmp_path / "journeys").mkdir(exist_ok=True)
    for name, text in journeys.items():
        (tmp_path / "journeys" / f"{name}.toml").write_text(text, encoding="utf-8")
    path = tmp_path / "sites.toml"
    path.write_text(sites, encoding="utf-8")
    return path


def error_of(path: Path) -> str:
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    message = str(caught.value)
    assert "\n" not in message and message.endswith(".")
    return message


FULL = SITE + """\
journeys = ["journeys/recherche.toml"]
login = "journeys/connexion.toml"
device = ["desktop", "mobile", "iPhone 13", "mobile"]
repeat = 3
logout_exclude = ["/quitter"]
"""


def test_the_new_keys_are_read_with_their_journeys(tmp_path: Path) -> None:
    site = load_config(write(tmp_path, FULL, recherche=SEARCH, connexion=LOGIN)).site("metz")
    [search] = site.journeys
    assert search.name == "recherche"
    assert search.source == str(tmp_path / "journeys" / "recherche.toml")
    assert search.start_url == "https://www.metz.fr/"  # "/" against the first start URL
    assert [step.measure for step in search.steps] == [False, True]
    assert site.login is not None and site.login.name == "connexion"
    assert site.login.start_url == "https://www.metz.fr/compte/connexion"
    assert site.devices == ["desktop", "mobile", "iPhone 13"]
    assert site.repeat == 3
    assert site.logout_exclude == ["/quitter"]


def test_defaults_of_the_new_keys(tmp_path: Path) -> None:
    site = load_config(write(tmp_path, SITE)).site("metz")
    assert site.journeys == [] and site.login is None
    assert site.devices == ["desktop"]
    assert site.repeat == 1
    assert site.logout_exclude == DEFAULT_LOGOUT_PATTERNS


@pytest.mark.parametrize("url", [
    "https://www.metz.fr/logout", "https://www.metz.fr/Log-Out?next=/", "https://x.fr/logoff",
    "https://x.fr/user/signout", "https://x.fr/Sign-Out", "https://x.fr/deconnexion",
    "https://x.fr/d%C3%A9connexion", "https://x.fr/déconnexion", "https://x.fr/se-deconnecter",
    "https://x.fr/compte/DISCONNECT",
])
def test_default_logout_patterns_match_logout_links(url: str) -> None:
    assert any(re.search(pattern, url) for pattern in DEFAULT_LOGOUT_PATTERNS)


@pytest.mark.parametrize("url", [
    "https://www.metz.fr/", "https://www.metz.fr/compte/connexion", "https://x.fr/login",
    "https://x.fr/catalogue", "https://x.fr/blog/outils",
])
def test_default_logout_patterns_leave_other_links(url: str) -> None:
    assert not any(re.search(pattern, url) for pattern in DEFAULT_LOGOUT_PATTERNS)


def test_device_repeat_and_logout_exclude_may_be_set_in_defaults(tmp_path: Path) -> None:
    text = ('[defaults]\ndevices = "mobile"\nrepeat = 2\nlogout_exclude = ["/bye"]\n\n' + SITE
            + '\n[[sites]]\nname = "opera"\nstart_urls = ["https://opera.metz.fr/"]\n'
            'device = "desktop"\n')
    metz, opera = load_config(write(tmp_path, text)).sites
    assert (metz.devices, metz.repeat, metz.logout_exclude) == (["mobile"], 2, ["/bye"])
    assert (opera.devices, opera.repeat) == (["desktop"], 2)


@pytest.mark.parametrize("key", ["journeys", "login"])
def test_journeys_and_login_are_site_specific(tmp_path: Path, key: str) -> None:
    value = '["journeys/recherche.toml"]' if key == "journeys" else '"journeys/recherche.toml"'
    message = error_of(write(tmp_path, f"[defaults]\n{key} = {value}\n\n" + SITE))
    assert f"'{key}' is specific to each site and cannot be set in [defaults]" in message


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("repeat = 0", 'sites.toml line 4: [[sites]] #1 "metz": repeat must be an integer from '
                       "1 to 20 (how many times each page is measured; more runs would only "
                       "multiply the load on the site), got 0."),
        ("repeat = 21", "repeat must be an integer from 1 to 20"),
        ("repeat = true", "repeat must be an integer from 1 to 20"),
        ('device = "iphone 13"',
         'sites.toml line 4: [[sites]] #1 "metz": device: unknown device \'iphone 13\' (did you '
         "mean 'iPhone 13'"),
        ('devices = ["desktop", "Pixel7"]', "devices: unknown device 'Pixel7' (did you mean"),
        ("device = []", 'device must be a device name or a list of them, e.g. "mobile"'),
        ("device = 3", "device must be a device name or a list of them"),
        ('device = "mobile"\ndevices = ["desktop"]',
         "line 5: [[sites]] #1 \"metz\": 'device' and 'devices' are the same key; keep one."),
        ('devise = "mobile"', "unknown key 'devise' (did you mean \"device\"?)"),
        ("repet = 3", "unknown key 'repet' (did you mean \"repeat\"?)"),
        ('logout_exclude = ["(unclosed"]', "logout_exclude must be a list of regular expressions"),
        ('journeys = "journeys/recherche.toml"', "journeys must be a list of journey files"),
        ('login = ["journeys/connexion.toml"]', 'login must be a journey file, e.g. "journeys/'),
    ],
)
def test_bad_values_are_explained(tmp_path: Path, line: str, expected: str) -> None:
    message = error_of(write(tmp_path, SITE + line + "\n"))
    assert expected in message
    assert message.startswith("sites.toml line ")


def test_unknown_device_message_suggests_the_nearest_names(tmp_path: Path) -> None:
    message = error_of(write(tmp_path, SITE + 'device = "mobil"\n'))
    assert "unknown device 'mobil' (did you mean 'mobile'" in message
    assert 'use "desktop", "mobile" or a Playwright device name' in message


def test_a_missing_journey_file_stops_the_load(tmp_path: Path) -> None:
    path = write(tmp_path, SITE + 'journeys = ["journeys/absent.toml"]\n')
    absent = tmp_path / "journeys" / "absent.toml"
    assert error_of(path) == (f'sites.toml line 4: [[sites]] #1 "metz": {absent} does not exist; '
                              "create it (see docs/journeys.md) or fix the path.")


def test_a_bad_journey_file_stops_the_load_naming_the_site_file_and_step(tmp_path: Path) -> None:
    bad = SEARCH.replace('press = "#q"', 'press = "#q"\nclick = "#ok"')
    path = write(tmp_path, SITE + 'journeys = ["journeys/recherche.toml"]\n', recherche=bad)
    journey = tmp_path / "journeys" / "recherche.toml"
    assert error_of(path) == (
        f'sites.toml line 4: [[sites]] #1 "metz": {journey}, step 2 ("Valider"): the step has 2 '
        "actions (press and click); write one action per step."
    )


def test_a_bad_login_file_stops_the_load(tmp_path: Path) -> None:
    path = write(tmp_path, SITE + 'login = "journeys/connexion.toml"\n',
                 connexion=LOGIN.replace('name = "connexion"', 'name = "Connexion!"'))
    message = error_of(path)
    assert message.startswith('sites.toml line 4: [[sites]] #1 "metz": ')
    assert "connexion.toml: name must be a short id" in message


def test_two_journeys_of_a_site_may_not_share_a_name(tmp_path: Path) -> None:
    path = write(tmp_path, SITE + 'journeys = ["journeys/a.toml", "journeys/b.toml"]\n',
                 a=SEARCH, b=SEARCH)
    assert "are both named 'recherche'; give each journey its own name." in error_of(path)


def test_an_absolute_journey_path_is_read_as_it_is(tmp_path: Path) -> None:
    elsewhere = tmp_path / "ailleurs"
    elsewhere.mkdir()
    (elsewhere / "recherche.toml").write_text(SEARCH, encoding="utf-8")
    path = write(tmp_path, SITE + f'journeys = ["{elsewhere / "recherche.toml"}"]\n')
    assert load_config(path).site("metz").journeys[0].source == str(elsewhere / "recherche.toml")


@pytest.mark.parametrize(
    ("sites", "journeys", "expected"),
    [
        (SITE + "repeat = 0\n", {}, "repeat must be an integer from 1 to 20"),
        (SITE + 'device = "Nokia 3310"\n', {}, "unknown device 'Nokia 3310'"),
        (SITE + 'journeys = ["journeys/recherche.toml"]\n',
         {"recherche": SEARCH.replace('press = "#q"', 'prss = "#q"')},
         "unknown key 'prss' (did you mean \"press\"?)"),
        (SITE + 'login = "journeys/connexion.toml"\n', {"connexion": LOGIN},
         "set the environment variable ECOAUDIT_TEST_LOGIN_USER before running"),
    ],
)
def test_a_bad_config_stops_the_command_before_anything_runs(
    tmp_path: Path, sites: str, journeys: dict[str, str], expected: str
) -> None:
    """One sentence, exit status 2, and no database created: nothing was crawled."""
    path = write(tmp_path, sites, **journeys)
    database = tmp_path / "ecoaudit.db"
    environment = {name: value for name, value in os.environ.items()
                   if not name.startswith("ECOAUDIT_TEST_")}
    done = subprocess.run([str(ECOAUDIT), "crawl", "--all", "--config", str(path),
                           "--db", str(database), "--no-report"],
                          capture_output=True, text=True, env=environment, timeout=60)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert expected in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert not database.exists()


def test_secrets_are_checked_at_run_time_and_never_shown(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ECOAUDIT_TEST_LOGIN_PASSWORD", raising=False)
    monkeypatch.setenv("ECOAUDIT_TEST_LOGIN_USER", "agent")
    site = load_config(write(tmp_path, FULL, recherche=SEARCH, connexion=LOGIN)).site("metz")
    with pytest.raises(ConfigError) as caught:
        site.check_secrets()  # the login is played by every authenticated crawl
    assert str(caught.value).endswith(
        'step 2 ("Mot de passe"): value refers to the environment variable '
        "ECOAUDIT_TEST_LOGIN_PASSWORD, which is not set; set the environment variable "
        "ECOAUDIT_TEST_LOGIN_PASSWORD before running."
    )
    monkeypatch.setenv("ECOAUDIT_TEST_LOGIN_PASSWORD", SECRET)
    site.check_secrets()
    redacted = site.redacted()
    assert redacted["journeys"] == [{"name": "recherche",
                                     "source": str(tmp_path / "journeys" / "recherche.toml")}]
    assert redacted["login"] == {"name": "connexion",
                                 "source": str(tmp_path / "journeys" / "connexion.toml")}
    shown = json.dumps(redacted)  # JSON-serialisable, as the store keeps it
    assert SECRET not in shown and "piscine" not in shown and "ECOAUDIT_TEST_LOGIN" not in shown
    assert SECRET not in repr(site) and SECRET not in str(site)
    assert redacted["devices"] == ["desktop", "mobile", "iPhone 13"] and redacted["repeat"] == 3


def test_a_literal_password_in_a_login_file_stops_the_load(tmp_path: Path) -> None:
    path = write(tmp_path, SITE + 'login = "journeys/connexion.toml"\n',
                 connexion=LOGIN.replace("${ECOAUDIT_TEST_LOGIN_PASSWORD}", SECRET))
    message = error_of(path)
    assert "step 2 (\"Mot de passe\")" in message and "environment variable reference" in message
    assert SECRET not in message


def test_adhoc_site_takes_the_new_keys_and_journey_objects(tmp_path: Path) -> None:
    (tmp_path / "recherche.toml").write_text(SEARCH, encoding="utf-8")
    journey = load_journey(tmp_path / "recherche.toml", base_url="http://127.0.0.1:8123/")
    site = adhoc_site("http://127.0.0.1:8123/", journeys=[journey], login=journey,
                      device="mobile", repeat=5, logout_exclude=["/sortir"])
    assert site.journeys == [journey] and site.login is journey
    assert (site.devices, site.repeat, site.logout_exclude) == (["mobile"], 5, ["/sortir"])
    with pytest.raises(ConfigError, match=r"ad-hoc site.*repeat must be an integer from 1 to 20"):
        adhoc_site("http://127.0.0.1:8123/", repeat=50)
    with pytest.raises(ConfigError, match=r"ad-hoc site: devices: unknown device 'Nokia 3310'"):
        adhoc_site("http://127.0.0.1:8123/", devices=["Nokia 3310"])
