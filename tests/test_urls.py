"""URL normalisation and URL safety (scheme, private addresses)."""

from __future__ import annotations

import asyncio

import pytest

from ecoaudit.net.urls import (
    UrlError,
    check_scheme,
    host_key,
    is_private_address,
    normalise,
    origin,
    private_peer_address,
    resolve_and_check,
    resolve_and_check_async,
)

DEFAULTS = ("utm_*", "jsessionid", "phpsessid")


def test_fragment_is_dropped_and_scheme_and_host_are_lower_cased() -> None:
    url = "HTTPS://WWW.Metz.FR/Actus/Page.php#haut"
    assert normalise(url, ()) == "https://www.metz.fr/Actus/Page.php"


def test_default_port_is_removed_and_other_ports_kept() -> None:
    assert normalise("http://metz.fr:80/a", ()) == "http://metz.fr/a"
    assert normalise("https://metz.fr:443/a", ()) == "https://metz.fr/a"
    assert normalise("http://127.0.0.1:8123/a", ()) == "http://127.0.0.1:8123/a"
    assert normalise("https://metz.fr:80/a", ()) == "https://metz.fr:80/a"


def test_query_is_kept_in_order_without_ignored_parameters() -> None:
    url = "https://metz.fr/agenda?page=2&utm_source=news&UTM_medium=mail&cat=culture"
    assert normalise(url, DEFAULTS) == "https://metz.fr/agenda?page=2&cat=culture"


def test_query_made_only_of_ignored_parameters_disappears() -> None:
    url = "https://metz.fr/?utm_campaign=x&PHPSESSID=abc"
    assert normalise(url, DEFAULTS) == "https://metz.fr/"


def test_session_id_in_path_parameters_is_removed() -> None:
    assert normalise("https://metz.fr/a;jsessionid=0A1B?x=1", DEFAULTS) == "https://metz.fr/a?x=1"


def test_empty_path_becomes_slash_and_dot_segments_are_resolved() -> None:
    assert normalise("https://metz.fr", ()) == "https://metz.fr/"
    assert normalise("https://metz.fr/a/./b/../c/", ()) == "https://metz.fr/a/c/"
    assert normalise("https://metz.fr/../../x", ()) == "https://metz.fr/x"


def test_percent_escapes_are_upper_cased_and_spaces_escaped() -> None:
    assert normalise("https://metz.fr/caf%c3%a9 noir?q=a b", ()) == (
        "https://metz.fr/caf%C3%A9%20noir?q=a%20b"
    )


def test_credentials_in_the_url_are_dropped() -> None:
    assert normalise("https://user:secret@metz.fr/", ()) == "https://metz.fr/"


def test_international_host_becomes_punycode() -> None:
    assert normalise("https://métropole.fr/", ()) == "https://xn--mtropole-b1a.fr/"


def test_ipv6_host_keeps_brackets_and_port() -> None:
    assert normalise("http://[::1]:8080/x", ()) == "http://[::1]:8080/x"


@pytest.mark.parametrize(
    "url",
    ["javascript:alert(1)", "mailto:mairie@metz.fr", "tel:+33387555555", "file:///etc/passwd",
     "data:text/html,hi", "chrome://settings", "ftp://metz.fr/", "about:blank"],
)
def test_non_http_schemes_are_refused_in_one_sentence(url: str) -> None:
    with pytest.raises(UrlError, match=r"scheme; only http and https URLs can be audited\.$"):
        check_scheme(url)
    with pytest.raises(UrlError):
        normalise(url, ())


def test_relative_url_is_refused_with_a_hint() -> None:
    with pytest.raises(UrlError, match="not an absolute URL"):
        check_scheme("/page")


def test_host_key_and_origin_keep_non_default_port() -> None:
    assert host_key("http://127.0.0.1:8123/a?b") == "127.0.0.1:8123"
    assert host_key("https://Metz.fr:443/") == "metz.fr"
    assert origin("http://127.0.0.1:8123/a?b") == "http://127.0.0.1:8123"


@pytest.mark.parametrize(
    "address",
    ["127.0.0.1", "127.8.9.10", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1",
     "169.254.169.254", "0.0.0.0", "::1", "fc00::1", "fd12::1", "fe80::1", "::ffff:10.0.0.1", "::"],
)
def test_private_addresses_are_recognised(address: str) -> None:
    assert is_private_address(address)


@pytest.mark.parametrize("address", ["8.8.8.8", "172.32.0.1", "193.51.1.1", "2001:4860::8888"])
def test_public_addresses_are_not_private(address: str) -> None:
    assert not is_private_address(address)


def test_loopback_host_is_refused_unless_private_addresses_are_allowed() -> None:
    with pytest.raises(UrlError, match="allow_private_addresses"):
        resolve_and_check("127.0.0.1", allow_private=False)
    with pytest.raises(UrlError, match="private address"):
        resolve_and_check("localhost", allow_private=False)
    assert resolve_and_check("127.0.0.1", allow_private=True) == ["127.0.0.1"]
    assert "127.0.0.1" in resolve_and_check("localhost", allow_private=True)


def test_async_check_refuses_private_answers_too() -> None:
    with pytest.raises(UrlError):
        asyncio.run(resolve_and_check_async("[::1]", allow_private=False))
    assert asyncio.run(resolve_and_check_async("[::1]", allow_private=True)) == ["::1"]



def test_private_peer_address_reads_what_connections_report() -> None:
    assert private_peer_address("127.0.0.1") == "127.0.0.1"
    assert private_peer_address("[::1]") == "::1"
    assert private_peer_address("fe80::1%eth0") == "fe80::1"
    assert [private_peer_address(peer) for peer in ("93.184.216.34", "", None, "not-an-ip")] == [
        None, None, None, None]
