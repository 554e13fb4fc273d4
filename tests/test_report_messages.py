"""The French and English wording cover the same keys, and every key the templates use exists."""

from __future__ import annotations

import re
from importlib import resources

from ecoaudit.report.i18n import messages

TEMPLATES = resources.files("ecoaudit") / "templates" / "report"


def test_french_and_english_have_the_same_keys():
    assert set(messages("fr")) == set(messages("en"))


def test_every_key_used_by_a_template_exists():
    used = set()
    for template in TEMPLATES.iterdir():
        if template.name.endswith(".html"):
            used |= set(re.findall(r"""\bt\(["']([a-z0-9_]+)["']""", template.read_text("utf-8")))
    assert used, "no t(...) call found"
    prefixes = {key for key in used if key.endswith("_")}  # t("status_" ~ status) and the like
    known = set(messages("fr"))
    assert used - prefixes - known == set()
    assert all(any(name.startswith(prefix) for name in known) for prefix in prefixes)
