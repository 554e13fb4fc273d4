"""Journey files: the TOML read into a Journey, and every mistake one sentence naming the file,
the step and the fix; ${ENV_VAR} values stay references and are never shown."""

from __future__ import annotations

from pathlib import Path

import pytest

from ecoaudit.config import check_journey_secrets, load_journey
from ecoaudit.errors import ConfigError
from ecoaudit.measure.journey_steps import ACTIONS, Journey

SECRET = "s3cr3t-Valeur-42"

EVERY_ACTION = """\
name = "demarche-etat-civil"
start_url = "https://www.metz.fr/"
description = "Demander un acte de naissance"

[[steps]]
name = "Démarches"
goto = "/demarches/etat-civil?motif=1#formulaire"

[[steps]]
name = "Recherche"
fill = "#q"
value = "acte de naissance"

[[steps]]
name = "Envoyer"
press = "#q"
value = "Enter"
measure = true

[[steps]]
name = "Résultat"
click = "text=Acte de naissance"

[[steps]]
name = "Motif"
select = "select#motif"
value = "mariage"

[[steps]]
name = "Accord"
check = "role=checkbox[name=\\"J'accepte\\"]"

[[steps]]
name = "Confirmation"
wait_for = "url=**/confirmation*"

[[steps]]
name = "Réseau calme"
wait_for = "networkidle"

[[steps]]
name = "Mot de passe"
fill = "input[type=password]"
value = "${ECOAUDIT_TEST_JOURNEY_PASSWORD}"

[[steps]]
name = "Autre site"
goto = "https://www.service-public.fr/particuliers"

[[steps]]
name = "Bas de page"
scroll = true
"""

SHORT = """\
name = "recherche"
start_url = "https://www.metz.fr/"

[[steps]]
name = "Recherche"
fill = "#q"
value = "piscine"

[[steps]]
name = "Valider"
press = "#q"
value = "Enter"
"""


def write(tmp_path: Path, text: str, name: str = "x.toml") -> Path:
    path = tmp_path / "journeys" / name
    path.parent.mkdir(exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def error_of(path: Path, **options: object) -> str:
    with pytest.raises(ConfigError) as caught:
        load_journey(path, **options)  # type: ignore[arg-type]
    message = str(caught.value)
    assert "\n" not in message and message.endswith(".")
    return message


@pytest.fixture
def secret(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("ECOAUDIT_TEST_JOURNEY_PASSWORD", SECRET)
    return SECRET


def test_a_journey_with_every_action_is_read(tmp_path: Path, secret: str) -> None:
    path = write(tmp_path, EVERY_ACTION)
    journey = load_journey(path)
    assert isinstance(journey, Journey)
    assert journey.name == "demarche-etat-civil"
    assert journey.start_url == "https://www.metz.fr/"
    assert journey.source == str(path)
    assert {step.action for step in journey.steps} == set(ACTIONS)
    by_name = {step.name: step for step in journey.steps}
    assert by_name["Démarches"].target == "https://www.metz.fr/demarches/etat-civil?motif=1#formulaire"
    assert by_name["Recherche"].value == "acte de naissance"
    assert by_name["Envoyer"].value == "Enter" and by_name["Envoyer"].measure
    assert by_name["Accord"].target == "role=checkbox[name=\"J'accepte\"]"
    assert by_name["Confirmation"].target == "url=**/confirmation*"
    assert by_name["Réseau calme"].target == "networkidle"
    assert by_name["Autre site"].target == "https://www.service-public.fr/particuliers"
    assert by_name["Bas de page"].target == "" and by_name["Bas de page"].value is None
    assert by_name["Résultat"].value is None and not by_name["Résultat"].measure
    # The password stays a reference: resolved only when the step is played.
    assert by_name["Mot de passe"].value == "${ECOAUDIT_TEST_JOURNEY_PASSWORD}"
    assert by_name["Mot de passe"].secret
    assert by_name["Mot de passe"].resolved_value() == secret
    assert secret not in repr(journey)


def test_the_last_step_is_always_measured(tmp_path: Path) -> None:
    journey = load_journey(write(tmp_path, SHORT))
    assert [step.measure for step in journey.steps] == [False, True]
    assert [step.name for step in journey.measured_steps] == ["Valider"]


def test_explicit_measure_false_on_the_last_step_is_still_measured(tmp_path: Path) -> None:
    journey = load_journey(write(tmp_path, SHORT + "measure = false\n"))
    assert journey.steps[-1].measure is True


def test_start_url_path_is_resolved_against_the_base_url(tmp_path: Path) -> None:
    path = write(tmp_path, SHORT.replace('"https://www.metz.fr/"', '"/recherche"'))
    journey = load_journey(path, base_url="https://metz.fr/accueil")
    assert journey.start_url == "https://metz.fr/recherche"


def test_start_url_path_without_a_base_url_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path, SHORT.replace('"https://www.metz.fr/"', '"/recherche"'))
    message = error_of(path)
    assert message.startswith(f"{path}: start_url \"/recherche\" is a path")
    assert "write a full http(s) URL" in message


def test_goto_path_is_resolved_against_the_start_url(tmp_path: Path) -> None:
    text = SHORT.replace('"https://www.metz.fr/"', '"http://127.0.0.1:8123/portail/"')
    text += '\n[[steps]]\nname = "Agenda"\ngoto = "/agenda"\n'
    journey = load_journey(write(tmp_path, text))
    assert journey.steps[-1].target == "http://127.0.0.1:8123/agenda"


STEP_ERRORS = [
    # (the third step's lines, what the message says)
    ('name = "Valider"\nclik = "#ok"',
     "unknown key 'clik' (did you mean \"click\"?)"),
    ('name = "Valider"\nmeasure = true',
     "the step has no action; add one of goto, click, fill"),
    ('name = "Valider"\nclick = "#ok"\nfill = "#q"\nvalue = "x"',
     "the step has 2 actions (click and fill); write one action per step"),
    ('name = "Valider"\nclick = ""',
     'click must be a Playwright selector (CSS, text=..., role=...), got ""'),
    ('name = "Valider"\nclick = 3',
     "click must be a Playwright selector"),
    ('name = "Valider"\ngoto = "ftp://metz.fr/"',
     'goto must be a full http(s) URL or a path starting with "/", got "ftp://metz.fr/"'),
    ('name = "Valider"\ngoto = "demarches"',
     "goto must be a full http(s) URL or a path"),
    ('name = "Valider"\nscroll = "down"',
     'scroll must be true (scroll = true), got "down"'),
    ('name = "Valider"\nwait_for = "url="',
     'wait_for "url=" needs a URL pattern after it'),
    ('name = "Valider"\nclick = "#ok"\nvalue = "x"',
     "click takes no value; remove value (only fill, select, press have one)"),
    ('name = "Valider"\nfill = "#q"',
     'fill needs a value; add value = "..."'),
    ('name = "Valider"\npress = "#q"',
     'press needs a value; add value = "Enter"'),
    ('name = "Valider"\npress = "#q"\nvalue = ""',
     "value must be a non-empty string"),
    ('name = "Valider"\nclick = "#ok"\nmeasure = "yes"',
     'measure must be true or false, got "yes"'),
    ('name = "Valider"\nfill = "#q"\nvalue = "${NOT-A-NAME}"',
     "not an environment variable reference; write ${ENV_VAR}"),
    ('name = "Recherche"\nclick = "#ok"',
     "step 1 already has this name; give each step its own name"),
]


@pytest.mark.parametrize(("lines", "expected"), STEP_ERRORS)
def test_a_bad_step_names_the_file_the_step_and_the_fix(
    tmp_path: Path, lines: str, expected: str
) -> None:
    name = lines.split('"')[1]
    path = write(tmp_path, SHORT + f"\n[[steps]]\n{lines}\n")
    message = error_of(path)
    assert message.startswith(f'{path}, step 3 ("{name}"): ')
    assert expected in message


def test_a_step_without_a_name_is_named_by_its_number(tmp_path: Path) -> None:
    path = write(tmp_path, SHORT + '\n[[steps]]\nclick = "#ok"\n')
    assert error_of(path) == (f'{path}, step 3: the step has no name; give it name = "..." '
                              "(unique within the journey).")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (SHORT.replace('name = "recherche"', 'nmae = "recherche"'),
         "unknown key 'nmae' (did you mean \"name\"?)"),
        (SHORT.replace('name = "recherche"', 'name = "Ma recherche"'),
         'name must be a short id of lower-case letters, digits'),
        (SHORT.replace('start_url = "https://www.metz.fr/"\n', ""),
         "the key 'start_url' is missing"),
        (SHORT.replace('"https://www.metz.fr/"', '"www.metz.fr"'),
         'start_url must be a full http(s) URL or a path starting with "/", got "www.metz.fr"'),
        (SHORT.split("[[steps]]")[0],
         "the journey has no steps; add at least one [[steps]] table"),
        ('name = "x"\nstart_url = "https://metz.fr/"\nsteps = "click"\n',
         "steps must be written as [[steps]] tables"),
        ('name = "x"\ndescription = 3\nstart_url = "https://metz.fr/"\n',
         "description must be a string, got 3"),
    ],
)
def test_a_bad_journey_names_the_file_and_the_fix(tmp_path: Path, text: str,
                                                  expected: str) -> None:
    path = write(tmp_path, text)
    message = error_of(path)
    assert message.startswith(f"{path}: ")
    assert expected in message


def test_toml_syntax_error_gives_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, SHORT + '\n[[steps]]\nname = = "x"\n')
    message = error_of(path)
    assert message.startswith(f"{path}: invalid TOML:")
    assert "line 15" in message


def test_missing_file_says_what_to_do(tmp_path: Path) -> None:
    path = tmp_path / "journeys" / "absent.toml"
    assert error_of(path) == (f"{path} does not exist; create it (see docs/journeys.md) or fix "
                              "the path.")


def test_an_unset_variable_is_named_with_the_step_and_the_fix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ECOAUDIT_TEST_JOURNEY_PASSWORD", raising=False)
    path = write(tmp_path, EVERY_ACTION)
    assert error_of(path) == (
        f'{path}, step 9 ("Mot de passe"): value refers to the environment variable '
        "ECOAUDIT_TEST_JOURNEY_PASSWORD, which is not set; set the environment variable "
        "ECOAUDIT_TEST_JOURNEY_PASSWORD before running."
    )
    # Checked later instead, when the journeys of a sites.toml are about to run.
    journey = load_journey(path, require_secrets=False)
    with pytest.raises(ConfigError, match="ECOAUDIT_TEST_JOURNEY_PASSWORD before running"):
        check_journey_secrets(journey)
    monkeypatch.setenv("ECOAUDIT_TEST_JOURNEY_PASSWORD", SECRET)
    check_journey_secrets(journey)


def test_a_literal_password_is_refused_and_never_echoed(tmp_path: Path) -> None:
    path = write(tmp_path, EVERY_ACTION.replace("${ECOAUDIT_TEST_JOURNEY_PASSWORD}", SECRET))
    message = error_of(path)
    assert message.startswith(f'{path}, step 9 ("Mot de passe"): the field')
    assert "environment variable reference" in message
    assert SECRET not in message


def test_no_error_quotes_a_value(tmp_path: Path, secret: str) -> None:
    for bad in (f'"{secret}${{"', f'"${{ECOAUDIT_TEST_JOURNEY_PASSWORD}}{secret}${{oops"'):
        path = write(tmp_path, EVERY_ACTION.replace('"${ECOAUDIT_TEST_JOURNEY_PASSWORD}"', bad))
        message = error_of(path)
        assert "step 9" in message and secret not in message


def test_the_resolved_secret_never_reaches_repr_or_messages(
    tmp_path: Path, secret: str
) -> None:
    journey = load_journey(write(tmp_path, EVERY_ACTION))
    assert secret not in repr(journey)
    assert all(secret not in step.describe() for step in journey.steps)
