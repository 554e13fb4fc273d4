"""Every configuration file rejects unknown keys and wrong types, in one sentence naming the key."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from ecoaudit.config import load_config
from ecoaudit.errors import EcoauditError
from ecoaudit.scoring.budgets import load_budget_file
from ecoaudit.workflows.acceptance.contract import load_contract

SITE = '[[sites]]\nname = "metz"\nstart_urls = ["https://www.metz.fr/"]\n'
CONTRACT = ('[contract]\ntitle = "Recette"\n[scope]\nurls = ["https://www.metz.fr/"]\n'
            '[page_budget]\nmax_size_kb = 1024\n')


CASES: list = [
    ("sites.toml", load_config, SITE + "max_page = 10\n", "max_page"),
    ("sites.toml", load_config, SITE + 'max_pages = "10"\n', "max_pages"),
    ("sites.toml", load_config, SITE + "allow_private_addresses = 1\n",
     "allow_private_addresses"),
    ("sites.toml", load_config, "[defaults]\npage_timout = 5\n" + SITE, "page_timout"),
    ("sites.toml", load_config, "[site]\nname = 'x'\n", "site"),
    pytest.param("sites.toml", load_config, SITE + "[sites.budgets]\nmax_sise_kb = 10\n",
                 "max_sise_kb"),
    pytest.param("sites.toml", load_config, SITE + '[sites.budgets]\nmax_size_kb = "big"\n',
                 "max_size_kb"),
    ("budget.toml", load_budget_file, "[budget]\nmax_request = 40\n", "max_request"),
    ("budget.toml", load_budget_file, '[budget]\nmax_requests = "forty"\n', "max_requests"),
    ("contract.toml", load_contract, CONTRACT + "penalty = 3\n", "penalty"),
    ("contract.toml", load_contract, CONTRACT.replace("1024", '"1 Mo"'), "max_size_kb"),
]


@pytest.mark.parametrize(("name", "load", "text", "key"), CASES)
def test_configuration_files_refuse_unknown_keys_and_wrong_types(
    tmp_path: Path, name: str, load: Callable[[Path], object], text: str, key: str,
) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(EcoauditError) as raised:
        load(path)
    message = str(raised.value)
    assert key in message
    assert "\n" not in message.strip()
