"""First party = the site's registrable domain (public suffix list, offline) + configured hosts."""

import pytest

from ecoaudit.net.parties import host_of, is_third_party, registrable_domain


@pytest.mark.parametrize(
    ("host", "domain"),
    [
        ("www.metz.fr", "metz.fr"),
        ("opera.eurometropolemetz.eu", "eurometropolemetz.eu"),
        ("a.b.example.co.uk", "example.co.uk"),
        ("ville.gouv.fr", "ville.gouv.fr"),  # gouv.fr is a public suffix
        ("someone.github.io", "someone.github.io"),  # private section of the list
        ("WWW.Metz.FR.", "metz.fr"),
        ("127.0.0.1", "127.0.0.1"),
        ("::1", "::1"),
        ("localhost", "localhost"),
    ],
)
def test_registrable_domain(host, domain):
    assert registrable_domain(host) == domain


def test_host_of_strips_port_case_and_credentials():
    assert host_of("https://user:pw@WWW.Metz.fr:8443/a?b") == "www.metz.fr"
    assert host_of("http://[::1]:8000/") == "::1"
    assert host_of("www.metz.fr") == "www.metz.fr"


def test_subdomain_of_the_site_is_first_party():
    assert not is_third_party("https://static.metz.fr/app.js", ["www.metz.fr"])


def test_other_domain_is_third_party():
    assert is_third_party("https://www.youtube.com/embed/x", ["www.metz.fr"])


def test_sibling_under_a_public_suffix_is_third_party():
    assert is_third_party("https://other.github.io/x.js", ["someone.github.io"])


def test_configured_cdn_host_is_first_party_with_its_domain():
    hosts = ["www.metz.fr", "cdn.eurometropolemetz.eu"]
    assert not is_third_party("https://cdn.eurometropolemetz.eu/logo.svg", hosts)
    assert not is_third_party("https://opera.eurometropolemetz.eu/x.css", hosts)


def test_first_party_hosts_may_be_given_as_urls():
    assert not is_third_party("https://www.metz.fr/a.css", ["https://metz.fr/"])


def test_port_does_not_change_the_party():
    assert not is_third_party("http://127.0.0.1:8123/a.js", ["127.0.0.1"])
    assert is_third_party("http://127.0.0.2:8123/a.js", ["127.0.0.1"])


def test_inline_urls_are_never_third_party():
    assert not is_third_party("data:image/png;base64,AAAA", ["www.metz.fr"])
    assert not is_third_party("blob:https://other.example/1234", ["www.metz.fr"])
