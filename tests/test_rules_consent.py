"""Rules on what loads without the user's say-so: third parties, widgets, cookies, permissions."""

from ecoaudit.capture import Capture, Cookie, DomFacts, Protocol
from tests.rule_captures import SITE, finding, page, req

# third-parties-before-consent: no third-party host before consent

def test_first_party_and_its_subdomains_pass():
    capture = page(req("/"), req("https://static.metz.fr/a.js", "script"))
    assert finding("third-parties-before-consent", capture).status == "pass"


def test_a_third_party_before_consent_fails_with_cookies_listed():
    capture = page(req("/"), req("https://www.google-analytics.com/g.js", "script", size=50_000),
                   cookies=[Cookie(name="_ga", domain=".google-analytics.com", size=30,
                                   third_party=True)])
    result = finding("third-parties-before-consent", capture)
    assert (result.status, result.value) == ("fail", 1)
    assert result.evidence[0].bytes == 50_000
    assert "cookie tiers _ga" in result.evidence[1].detail


def test_allowed_hosts_and_max_hosts_edge():
    capture = page(req("/"), req("https://cdn.eurometropolemetz.eu/a.js", "script"),
                   req("https://www.youtube.com/embed/x"))
    assert finding("third-parties-before-consent", capture, max_hosts=2).status == "pass"
    assert finding("third-parties-before-consent", capture, max_hosts=1).status == "fail"
    allowed = finding("third-parties-before-consent", capture,
                      allowed_hosts=["eurometropolemetz.eu", "www.youtube.com"])
    assert allowed.status == "pass"


def test_a_capture_after_consent_is_na():
    capture = page(req("https://www.youtube.com/embed/x"), protocol=Protocol(consent="after"))
    result = finding("third-parties-before-consent", capture)
    assert result.status == "na" and "après consentement" in result.reason


# social-widgets-plugins

def test_no_widget_plugin_or_empty_src_passes():
    assert finding("social-widgets-plugins", page()).status == "pass"


def test_social_widget_script_fails():
    capture = page(req("/"), req("https://platform.twitter.com/widgets.js", "script", size=90_000))
    result = finding("social-widgets-plugins", capture)
    assert result.status == "fail" and result.evidence[0].saving_bytes == 90_000


def test_plugins_and_empty_src_fail():
    assert finding("social-widgets-plugins", page(dom=DomFacts(plugins=1))).status == "fail"
    result = finding("social-widgets-plugins", page(dom=DomFacts(empty_src=2)))
    assert result.status == "fail" and "2 attributs" in result.evidence[0].detail


def test_widget_patterns_can_be_replaced():
    capture = page(req("/"), req("https://platform.twitter.com/widgets.js", "script"))
    assert finding("social-widgets-plugins", capture, widget_url_patterns=[]).status == "pass"


def test_without_dom_facts_only_a_widget_can_decide():
    assert finding("social-widgets-plugins", page(dom=None)).status == "na"
    capture = page(req("https://connect.facebook.net/fr_FR/sdk.js", "script"), dom=None)
    assert finding("social-widgets-plugins", capture).status == "fail"


# cookies: Cookie header <= 512 pass, <= 1024 warn, above fail; no cookie on static files

def test_no_cookie_passes():
    assert finding("cookies", page()).status == "pass"


def test_cookie_header_edges():
    def with_header(size):
        return page(req("/", request_cookie_bytes=size))
    assert finding("cookies", with_header(512)).status == "pass"
    assert finding("cookies", with_header(513)).status == "warn"
    assert finding("cookies", with_header(1024)).status == "warn"
    result = finding("cookies", with_header(1025))
    assert (result.status, result.value) == ("fail", 1025)


def test_cookies_on_static_files_warn_then_fail_above_2000_bytes():
    few = page(req("/"), req("/a.css", "stylesheet", request_cookie_bytes=100))
    assert finding("cookies", few).status == "warn"
    many = page(*[req(f"/i{i}.webp", "image", request_cookie_bytes=500) for i in range(5)])
    assert finding("cookies", many).status == "fail"


def test_cookies_sent_to_third_party_static_files_are_not_the_sites():
    capture = page(req("/"), req("https://cdn.other.net/a.js", "script",
                                 request_cookie_bytes=300))
    assert finding("cookies", capture).status == "pass"


def test_cookies_without_requests_is_na():
    capture = Capture(requested_url=SITE + "/", final_url=SITE + "/", status=200)
    assert finding("cookies", capture).status == "na"


# permission-prompts

def test_no_permission_request_passes():
    assert finding("permission-prompts", page()).status == "pass"


def test_notification_prompt_on_load_fails():
    result = finding("permission-prompts", page(permission_requests=["notifications"]))
    assert (result.status, result.value) == ("fail", 1)


def test_allowed_permission_passes():
    capture = page(permission_requests=["geolocation"])
    assert finding("permission-prompts", capture, allowed_permissions=["geolocation"]).status \
        == "pass"


def test_permission_prompts_on_an_unmeasured_page_is_na():
    assert finding("permission-prompts", Capture(requested_url=SITE, error="DNS")).status == "na"
