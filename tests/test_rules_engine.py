"""The engine: overrides, failed pages, missing capture data, finding shape, rescore."""

import pytest

from ecoaudit.capture import Capture, Coverage, Font, Image, Media, TextStats
from ecoaudit.errors import ConfigError
from ecoaudit.rules import STATUSES, evaluate, load_catalogue, validate_overrides
from ecoaudit.workflows.rescore import rescore_page
from tests.rule_captures import SITE, finding, page, req


def test_every_page_rule_gives_one_finding_in_catalogue_order():
    catalogue = load_catalogue()
    findings = evaluate(page())
    page_rules = [rule.id for rule in catalogue if rule.scope == "page"]
    assert [f.rule for f in findings] == page_rules
    assert all(f.status in STATUSES for f in findings)


def test_finding_to_dict_has_the_documented_shape():
    capture = page(req("/"), req("https://www.youtube.com/embed/x", "script", size=5000))
    data = finding("third-parties-before-consent", capture).to_dict()
    # The documented keys, plus the message keys added beside `value`, `reason` and `detail`.
    assert set(data) == {"rule", "status", "severity", "rgesn", "value", "threshold",
                         "evidence", "saving_bytes", "reason", "value_message", "reason_message"}
    assert data["status"] == "fail" and data["rgesn"] == ["4.4", "2.10"]
    assert data["evidence"][0] == {"url": "https://www.youtube.com/embed/x", "bytes": 5000,
                                   "saving_bytes": 5000,
                                   "detail": "www.youtube.com : 1 requête avant consentement",
                                   "message": {"key": "evidence.before_consent",
                                               "params": {"host": "www.youtube.com",
                                                          "count": 1}}}
    assert data["saving_bytes"] == 5000


def test_saving_bytes_is_zero_without_evidence():
    assert finding("page-weight", page(req("/", size=0))).to_dict()["saving_bytes"] == 0


def test_a_page_that_could_not_be_measured_gives_na_with_the_reason():
    capture = Capture(requested_url=SITE + "/", error="Délai dépassé après 60 s")
    findings = evaluate(capture)
    assert findings and all(f.status == "na" for f in findings)
    assert all("Délai dépassé" in f.reason for f in findings)


def test_missing_capture_data_gives_na_with_a_reason_never_a_crash():
    capture = Capture(requested_url=SITE + "/", final_url=SITE + "/", status=200,
                      requests=[req("/"), req("/a.css", "stylesheet")])
    assert capture.fonts is None and capture.media is None and capture.coverage is None
    by_rule = {f.rule: f for f in evaluate(capture)}
    for rule_id in ("dom-size", "ecoindex-grade", "web-fonts", "autoplay-and-animations",
                    "unused-css-js", "social-widgets-plugins", "minified-css-js"):
        assert by_rule[rule_id].status == "na", rule_id
        assert by_rule[rule_id].reason, rule_id


def test_an_empty_capture_never_crashes():
    findings = evaluate(Capture(requested_url=SITE + "/"))
    assert all(f.status in STATUSES for f in findings)


def test_override_changes_the_outcome():
    capture = page(req("/", size=1_500_000))
    assert finding("page-weight", capture).status == "warn"
    assert finding("page-weight", capture, warn_kb=2000, fail_kb=3000).status == "pass"
    assert finding("page-weight", capture, warn_kb=500, fail_kb=1000).status == "fail"


def test_override_of_an_unknown_rule_is_refused():
    with pytest.raises(ConfigError, match="unknown rule 'page-wieght'"):
        evaluate(page(), overrides={"page-wieght": {"warn_kb": 1}})


def test_override_of_an_unknown_key_names_rule_and_key():
    with pytest.raises(ConfigError, match=r"rule 'page-weight': unknown threshold key 'warn'"):
        evaluate(page(), overrides={"page-weight": {"warn": 1}})


@pytest.mark.parametrize(
    ("rule_id", "values", "expected"),
    [
        ("page-weight", {"warn_kb": "1 Mo"}, "key 'warn_kb' must be a number"),
        ("page-weight", {"warn_kb": True}, "key 'warn_kb' must be a number"),
        ("page-weight", {"fail_kb": -5}, "key 'fail_kb' cannot be negative"),
        ("co2-per-view", {"green_hosting": "yes"}, "key 'green_hosting' must be true or false"),
        ("ecoindex-grade", {"min_grade": 3}, "key 'min_grade' must be a text"),
        ("third-parties-before-consent", {"allowed_hosts": "cdn.metz.fr"},
         "key 'allowed_hosts' must be a list"),
    ],
)
def test_override_of_the_wrong_type_is_refused(rule_id, values, expected):
    with pytest.raises(ConfigError, match=expected):
        validate_overrides({rule_id: values}, load_catalogue(), source="sites.toml [metz]")


def test_override_error_names_its_source():
    with pytest.raises(ConfigError, match=r"^sites.toml \[metz\]: rule 'page-weight'"):
        validate_overrides({"page-weight": {"warn_kb": "x"}}, load_catalogue(),
                           source="sites.toml [metz]")


def test_integer_override_of_a_float_threshold_is_accepted():
    validate_overrides({"bitmap-overweight": {"max_bytes_per_pixel": 1}}, load_catalogue())


def test_invalid_choice_in_an_override_is_a_config_error():
    with pytest.raises(ConfigError, match="key 'min_grade' must be one of A, B"):
        evaluate(page(), overrides={"ecoindex-grade": {"min_grade": "Z"}})


def test_first_party_defaults_to_the_requested_and_final_hosts():
    capture = page(req("/"), req("https://static.metz.fr/a.js", "script"),
                   req("https://cdn.other.net/b.js", "script"))
    assert finding("third-parties-before-consent", capture).value == 1
    hosts = ["www.metz.fr", "cdn.other.net"]
    found = [f for f in evaluate(capture, first_party_hosts=hosts)
             if f.rule == "third-parties-before-consent"]
    assert found[0].value == 0


def _rich_capture() -> Capture:
    return page(
        req("/", headers={"content-encoding": "gzip"}, size=20_000,
            text_stats=TextStats(length=20_000, line_breaks=500, semicolons=10, gzip_bytes=4000)),
        req("/photo.jpg", "image", size=300_000, sniffed_format="jpeg",
            headers={"cache-control": "max-age=3600"}),
        images=[Image(url=SITE + "/photo.jpg", natural_width=2000, natural_height=1000,
                      displayed_width=400, displayed_height=200, bytes=300_000,
                      in_first_viewport=True)],
        fonts=[Font(family="Marianne")],
        media=[Media(tag="video", autoplay=True)],
        coverage=[Coverage(url=SITE + "/a.js", kind="js", total_bytes=90_000, used_bytes=1000)],
    )


def test_rescore_of_a_stored_capture_matches_a_fresh_evaluation():
    capture = _rich_capture()
    stored = capture.to_dict()
    ecoindex, findings, co2 = rescore_page(stored, load_catalogue(), None, None)
    assert findings == [f.to_dict() for f in evaluate(capture)]
    assert ecoindex["nodes"] == 100 and ecoindex["requests"] == 2
    assert co2["bytes"] == 320_000 and co2["model"] == "swd-v4"


def test_rescore_applies_overrides_and_green_hosting():
    stored = _rich_capture().to_dict()
    _, findings, co2_grey = rescore_page(stored, None, None, None)
    _, _, co2_green = rescore_page(stored, None, {"co2-per-view": {"green_hosting": True}}, None)
    assert co2_green["global"]["grams_per_view"] < co2_grey["global"]["grams_per_view"]
    _, relaxed, _ = rescore_page(stored, None, {"autoplay-and-animations": {
        "max_animated_gif_bytes": 1}}, None)
    assert {f["rule"] for f in relaxed} == {f["rule"] for f in findings}


def test_rescore_of_an_older_capture_without_new_fields():
    stored = {"requested_url": SITE + "/", "final_url": SITE + "/", "status": 200, "nodes": 50,
              "requests": [{"url": SITE + "/", "status": 200, "transfer_bytes": 900}],
              "some_future_field": 1}
    ecoindex, findings, co2 = rescore_page(stored, None, None, None)
    assert ecoindex["score"] > 0 and co2["bytes"] == 900
    statuses = {f["rule"]: f["status"] for f in findings}
    assert statuses["web-fonts"] == "na" and statuses["page-weight"] == "pass"


def test_rescore_of_a_failed_page_has_no_scores():
    ecoindex, findings, co2 = rescore_page(
        {"requested_url": SITE + "/", "error": "DNS"}, None, None, None)
    assert ecoindex is None and co2 is None
    assert all(f["status"] == "na" for f in findings)


def test_evidence_is_bounded_and_keeps_the_total_saving():
    capture = page(req("/"), *[req(f"https://t{i}.other{i}.net/x.js", "script", size=100)
                               for i in range(120)])
    result = finding("third-parties-before-consent", capture)
    assert result.value == 120
    assert len(result.evidence) == 50
    assert result.evidence[-1].url is None
    assert result.evidence[-1].detail == "… et 71 autres éléments"
    assert result.saving_bytes == 120 * 100
