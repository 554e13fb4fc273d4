"""sites.toml: loading, defaults, validation messages, secrets, ad-hoc sites."""

from __future__ import annotations

from pathlib import Path

import pytest

from ecoaudit.config import adhoc_site, load_config
from ecoaudit.errors import ConfigError
from ecoaudit.net.access import DEFAULT_USER_AGENT

REPOSITORY = Path(__file__).resolve().parents[1]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sites.toml"
    path.write_text(text, encoding="utf-8")
    return path


def error_of(tmp_path: Path, text: str) -> str:
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, text))
    return str(caught.value)


TWO_SITES = """\
[defaults]
max_pages = 20
min_delay = 0.5
budgets = { max_size_kb = 1024 }

[[sites]]
name = "metz"
title = "Ville de Metz"
start_urls = ["https://Metz.fr/"]
budgets = { max_requests = 40 }

[[sites]]
name = "opera"
start_urls = ["https://opera.eurometropolemetz.eu/fr/"]
max_pages = 5
group = "benchmark"
"""


def test_defaults_apply_to_every_site_and_sites_override_them(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, TWO_SITES))
    metz, opera = config.sites
    assert [metz.max_pages, opera.max_pages] == [20, 5]
    assert metz.min_delay == opera.min_delay == 0.5
    assert metz.budgets == {"max_size_kb": 1024, "max_requests": 40}
    assert opera.budgets == {"max_size_kb": 1024}
    assert (metz.group, opera.group) == ("own", "benchmark")
    assert metz.title == "Ville de Metz" and opera.title == "opera"
    assert metz.user_agent == DEFAULT_USER_AGENT and "ecoaudit/" in DEFAULT_USER_AGENT
    assert config.site("opera") is opera


def test_allowed_hosts_default_to_the_start_urls_hosts(tmp_path: Path) -> None:
    metz = load_config(write(tmp_path, TWO_SITES)).site("metz")
    assert metz.start_urls == ["https://metz.fr/"]
    assert metz.allowed_hosts == ["metz.fr"]
    assert metz.in_scope("http://METZ.fr:8080/x")  # a host without port allows any port
    assert not metz.in_scope("https://www.metz.fr/")


def test_schema_error_names_file_line_site_and_expectation(tmp_path: Path) -> None:
    message = error_of(tmp_path, TWO_SITES.replace("max_pages = 5", 'max_pages = "ten"'))
    assert message == (
        'sites.toml line 15: [[sites]] #2 "opera": max_pages must be a positive integer, '
        'got "ten".'
    )


def test_unknown_key_is_an_error_with_a_suggestion(tmp_path: Path) -> None:
    message = error_of(tmp_path, TWO_SITES.replace("max_pages = 5", "max_pgaes = 5"))
    assert "line 15" in message
    assert "unknown key 'max_pgaes' (did you mean \"max_pages\"?)" in message


def test_unknown_key_in_defaults_names_the_defaults_table(tmp_path: Path) -> None:
    message = error_of(tmp_path, TWO_SITES.replace("min_delay = 0.5", "min_dealy = 0.5"))
    assert message.startswith("sites.toml line 3: [defaults]: unknown key 'min_dealy'")
    assert 'did you mean "min_delay"' in message


def test_site_specific_key_is_refused_in_defaults(tmp_path: Path) -> None:
    message = error_of(tmp_path, '[defaults]\nstart_urls = ["https://metz.fr/"]\n')
    assert "'start_urls' is specific to each site" in message


def test_toml_syntax_error_gives_the_line(tmp_path: Path) -> None:
    message = error_of(tmp_path, '[[sites]]\nname = "metz"\nmax_pages = = 3\n')
    assert message.startswith("sites.toml: invalid TOML:")
    assert "line 3" in message


def test_missing_file_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist; create it"):
        load_config(tmp_path / "absent.toml")


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ('start_urls = "https://metz.fr/"', 'a list of http(s) URLs, e.g. ["https://metz.fr/"]'),
        ('start_urls = ["ftp://metz.fr/"]', "ftp: scheme"),
        ('group = "mine"', 'group must be "own", "benchmark" or "partner"'),
        ('schedule = "every night"', "schedule must be a cron expression"),
        ('include = ["(unclosed"]', "include must be a list of regular expressions"),
        ("respect_robots = 1", "respect_robots must be true or false, got 1"),
        ("min_delay = -1", "min_delay must be a number of seconds, 0 or more"),
        ('rules = { "images" = 3 }', "rules must be a table of tables"),
        ('name = "Ville de Metz"', "name must be a short id"),
        ('allowed_hosts = ["https://metz.fr/"]', "allowed_hosts must be a list of host names"),
        ('allowed_hosts = ["www.metz.fr"]', "is outside allowed_hosts"),
        ("page_views_per_year = 0", "page_views_per_year must be a positive integer"),
        ("max_url_length = 5", "max_url_length must be an integer of at least 20"),
    ],
)
def test_bad_values_are_explained(tmp_path: Path, line: str, expected: str) -> None:
    text = '[[sites]]\nname = "metz"\nstart_urls = ["https://metz.fr/"]\n'
    key = line.split(" = ")[0]
    if key in ("start_urls", "name"):
        text = text.replace(next(x for x in text.splitlines() if x.startswith(key)), line)
    else:
        text += line + "\n"
    message = error_of(tmp_path, text)
    assert expected in message
    assert message.startswith("sites.toml line ")


def test_missing_start_urls_is_named(tmp_path: Path) -> None:
    message = error_of(tmp_path, '[[sites]]\nname = "metz"\n')
    assert message == (
        "sites.toml line 1: [[sites]] #1 \"metz\": the key 'start_urls' is missing; every site "
        "needs a name and start_urls."
    )


def test_duplicate_site_names_are_refused(tmp_path: Path) -> None:
    text = TWO_SITES.replace('name = "opera"', 'name = "metz"')
    assert "is used by two sites" in error_of(tmp_path, text)


def test_unknown_site_name_lists_the_known_ones(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, TWO_SITES))
    with pytest.raises(ConfigError, match=r'No site "oprea" in sites.toml \(did you mean "opera"'
                                          r'\?\); known sites: metz, opera\.'):
        config.site("oprea")


SECRET_SITE = """\
[[sites]]
name = "staging"
start_urls = ["http://127.0.0.1:8080/"]
allow_private_addresses = true
headers = { "X-Staging" = "1", "Authorization" = "Bearer ${ECOAUDIT_TEST_TOKEN}" }
cookies = { session = "${ECOAUDIT_TEST_COOKIE}" }
basic_auth = { username = "recette", password = "${ECOAUDIT_TEST_PASSWORD}" }
"""


def test_secrets_are_resolved_from_the_environment_only_on_use(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = load_config(write(tmp_path, SECRET_SITE)).site("staging")
    monkeypatch.setenv("ECOAUDIT_TEST_TOKEN", "tok-123")
    monkeypatch.setenv("ECOAUDIT_TEST_COOKIE", "cookie-456")
    monkeypatch.setenv("ECOAUDIT_TEST_PASSWORD", "pw-789")
    assert site.resolved_headers() == {"X-Staging": "1", "Authorization": "Bearer tok-123"}
    assert site.resolved_cookies() == {"session": "cookie-456"}
    assert site.resolved_basic_auth() == ("recette", "pw-789")
    for shown in (repr(site), str(site), str(site.redacted())):
        assert "tok-123" not in shown and "cookie-456" not in shown and "pw-789" not in shown
    assert site.redacted()["headers"] == {"X-Staging": "***", "Authorization": "***"}
    assert site.redacted()["basic_auth"] == {"username": "***", "password": "***"}
    assert site.redacted()["max_pages"] == 50


def test_missing_environment_variable_names_site_key_and_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = load_config(write(tmp_path, SECRET_SITE)).site("staging")
    monkeypatch.delenv("ECOAUDIT_TEST_PASSWORD", raising=False)
    monkeypatch.setenv("ECOAUDIT_TEST_TOKEN", "x")
    monkeypatch.setenv("ECOAUDIT_TEST_COOKIE", "y")
    with pytest.raises(ConfigError) as caught:
        site.check_secrets()
    assert str(caught.value) == (
        'Site "staging": basic_auth.password refers to the environment variable '
        "ECOAUDIT_TEST_PASSWORD, which is not set; export it before running ecoaudit."
    )


def test_literal_credentials_are_refused_and_never_echoed(tmp_path: Path) -> None:
    text = SECRET_SITE.replace("${ECOAUDIT_TEST_PASSWORD}", "hunter2")
    message = error_of(tmp_path, text)
    assert "basic_auth must be" in message and "environment variable" in message
    assert "hunter2" not in message
    text = SECRET_SITE.replace("Bearer ${ECOAUDIT_TEST_TOKEN}", "Bearer abc")
    message = error_of(tmp_path, text)
    assert "Authorization" in message and "abc" not in message


def test_rules_overrides_merge_per_rule(tmp_path: Path) -> None:
    text = (
        "[defaults.rules.page-weight]\nwarn_kb = 300\nfail_kb = 900\n\n"
        '[[sites]]\nname = "metz"\nstart_urls = ["https://metz.fr/"]\n'
        "[sites.rules.page-weight]\nwarn_kb = 500\n"
    )
    site = load_config(write(tmp_path, text)).site("metz")
    assert site.rules == {"page-weight": {"warn_kb": 500, "fail_kb": 900}}


def test_rule_overrides_are_checked_against_the_catalogue_at_load(tmp_path: Path) -> None:
    text = ('[[sites]]\nname = "metz"\nstart_urls = ["https://metz.fr/"]\n'
            "[sites.rules.page-weigth]\nwarn_kb = 500\n")
    message = error_of(tmp_path, text)
    assert "sites.toml" in message and "page-weigth" in message


def test_budgets_are_checked_at_load(tmp_path: Path) -> None:
    text = ('[[sites]]\nname = "metz"\nstart_urls = ["https://metz.fr/"]\n'
            'budgets = { max_size_kb = "big" }\n')
    message = error_of(tmp_path, text)
    assert "sites.toml" in message and "max_size_kb" in message


def test_adhoc_site_for_a_local_url_allows_private_addresses() -> None:
    site = adhoc_site("http://127.0.0.1:8123/accueil?x=1#top", max_pages=3)
    assert site.start_urls == ["http://127.0.0.1:8123/accueil?x=1"]
    assert site.allowed_hosts == ["127.0.0.1:8123"]
    assert site.allow_private_addresses is True
    assert site.max_pages == 3
    assert site.name == "127-0-0-1-8123"


def test_adhoc_site_for_a_public_address_keeps_private_addresses_refused() -> None:
    site = adhoc_site("https://193.51.1.1/")
    assert site.allow_private_addresses is False


def test_adhoc_site_refuses_bad_urls_and_bad_overrides() -> None:
    with pytest.raises(ConfigError, match="file: scheme"):
        adhoc_site("file:///etc/passwd")
    with pytest.raises(ConfigError, match=r"ad-hoc site.*max_depth must be an integer"):
        adhoc_site("http://127.0.0.1:8123/", max_depth=-2)


def test_repository_sites_toml_is_valid() -> None:
    config = load_config(REPOSITORY / "sites.toml")
    names = [site.name for site in config.sites]
    assert len(names) >= 10
    assert {site.group for site in config.sites} == {"own", "partner"}
    assert config.site("ville-metz").start_urls == ["https://metz.fr/"]


def test_unknown_top_level_table_is_located(tmp_path: Path) -> None:
    message = error_of(tmp_path, '[defaults]\nmax_pages = 3\n\n[[site]]\nname = "metz"\n')
    assert message == (
        "sites.toml line 4: unknown top-level key 'site' (did you mean \"sites\"?); expected "
        "[defaults] and [[sites]]."
    )


def test_error_in_a_sub_table_points_at_its_header(tmp_path: Path) -> None:
    text = (
        '[[sites]]\nname = "metz"\nstart_urls = ["https://metz.fr/"]\n'
        '[sites.headers]\nAuthorization = "Basic c2VjcmV0"\n'
    )
    message = error_of(tmp_path, text)
    assert message.startswith('sites.toml line 4: [[sites]] #1 "metz": headers must be')
    assert "c2VjcmV0" not in message


def test_targets_are_checked_at_load(tmp_path: Path) -> None:
    text = ('[[sites]]\nname = "metz"\nstart_urls = ["https://metz.fr/"]\n'
            "[sites.targets]\nmedian_score = { min = 70, by = 2027 }\n"
            "mean_scor = { min = 60 }\n")
    message = error_of(tmp_path, text)
    assert "sites.toml" in message and "mean_scor" in message
    good = text.replace("mean_scor = { min = 60 }\n", "")
    assert load_config(write(tmp_path, good)).site("metz").targets == {
        "median_score": {"min": 70, "by": 2027}}
