"""Generate docs/rules.md from the rule files (rules/*.toml, the one copy of the catalogue).

    python -m ecoaudit.rules.docs

docs/rules.md is generated: edit rules/*.toml, then run this. A test fails when it is out of date.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from ecoaudit.rules import rgesn
from ecoaudit.rules.catalogue import Catalogue
from ecoaudit.rules.criteria import CHECK_MODES
from ecoaudit.rules.engine import RULE_DIRECTORY, load_catalogue

# In a source tree the catalogue is the repository's rules/, beside docs/.
DOCS_FILE = Path(os.path.realpath(RULE_DIRECTORY)).parent / "docs" / "rules.md"
_REFERENCE_NAMES = {
    "rgesn": "RGESN 2024", "greenit": "GreenIT-Analysis", "lighthouse": "Lighthouse",
}


def _value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _section(rule) -> list[str]:
    lines = [
        f'<a id="{rule.id}"></a>',
        "",
        f"## `{rule.id}` — {rule.title['fr']}",
        "",
        f"*{rule.title['en']}* · sévérité / severity : **{rule.severity}** · "
        f"portée / scope : {rule.scope} · RGESN 2024 : {', '.join(rule.rgesn)}",
        "",
    ]
    for key, heading in (("checks", "Ce qui est vérifié / What it checks"),
                         ("why", "Pourquoi / Why it matters"),
                         ("fix", "Comment corriger / How to fix")):
        lines += [f"### {heading}", "", rule.text(key, "fr"), "", f"*{rule.text(key, 'en')}*", ""]
    lines += ["### Exemple / Example", ""]
    for key, french, english in (("bad", "À éviter", "Avoid"), ("good", "À faire", "Do")):
        if key not in rule.example:
            continue
        translated = rule.example.get(f"{key}_en")
        if translated:
            lines += [f"{french} :", "", "```", rule.example[key], "```", "",
                      f"*{english}:*", "", "```", translated, "```", ""]
        else:
            lines += [f"{french} / {english} :", "", "```", rule.example[key], "```", ""]
    lines += ["### Références / References", ""]
    for key, items in rule.references.items():
        lines.append(f"- {_REFERENCE_NAMES[key]} : {', '.join(items)}")
    lines.append("")
    if rule.thresholds:
        lines += ["### Seuils par défaut / Default thresholds", "",
                  "| clé / key | valeur / value |", "|---|---|"]
        lines += [f"| `{key}` | `{_value(value)}` |" for key, value in rule.thresholds.items()]
        lines.append("")
    return lines


def render_markdown(catalogue: Catalogue) -> str:
    """The whole docs/rules.md text for a catalogue."""
    lines = [
        "# Règles d'écoconception / Eco-design rules",
        "",
        "<!-- Generated from rules/*.toml by `python -m ecoaudit.rules.docs`: do not edit. -->",
        "",
        "Chaque règle est un fichier de `rules/` et une fonction de vérification pure appliquée à "
        "la capture d'une page. Statuts : `pass`, `warn`, `fail`, `na` (non applicable, avec la "
        "raison), `manual` (preuve manuelle nécessaire). Les seuils se remplacent par site "
        "(sites.toml) ou à l'appel. Ce que dit une vérification (preuves, valeur en mots, raison "
        "d'un `na`) est une clé de message et ses paramètres, rédigés en français et en anglais "
        "dans `src/ecoaudit/templates/report/messages.<langue>.toml` (voir docs/report.md).",
        "",
        "*Each rule is a file in `rules/` plus a pure check function applied to a page capture. "
        "Thresholds can be overridden per site (sites.toml) or per invocation. What a check says "
        "(evidence, a value in words, why it does not apply) is a message key with parameters, "
        "worded in French and English in `src/ecoaudit/templates/report/messages.<lang>.toml` "
        "(see docs/report.md).*",
        "",
        "| règle / rule | titre | sévérité | portée | RGESN 2024 |",
        "|---|---|---|---|---|",
    ]
    lines += [f"| [`{rule.id}`](#{rule.id}) | {rule.title['fr']} | {rule.severity} | "
              f"{rule.scope} | {', '.join(rule.rgesn)} |" for rule in catalogue]
    lines.append("")
    for rule in catalogue:
        lines += _section(rule)
    lines += _rgesn_coverage(catalogue)
    return "\n".join(lines).rstrip("\n") + "\n"


def _rgesn_coverage(catalogue: Catalogue) -> list[str]:
    criteria = rgesn.criteria(catalogue)
    modes = {mode: sum(c.check == mode for c in criteria) for mode in CHECK_MODES}
    lines = [
        '<a id="rgesn-2024"></a>',
        "",
        "## Couverture du RGESN 2024 / RGESN 2024 coverage",
        "",
        f"{len(criteria)} critères : {modes['auto']} vérifiés automatiquement (`auto`), "
        f"{modes['partial']} en partie (`partial` : une preuve manuelle reste nécessaire), "
        f"{modes['manual']} à documenter (`manual`). Un critère non vérifiable est rapporté "
        "`manual`, jamais en échec. Titres : nos propres résumés, pas le texte officiel.",
        "",
        "| critère | famille | priorité | vérification | règles | titre |",
        "|---|---|---|---|---|---|",
    ]
    lines += [f"| {c.number} | {c.family_title} | {c.priority} | {c.check} | "
              f"{', '.join(f'`{r}`' for r in c.rules)} | {c.title} |" for c in criteria]
    lines.append("")
    return lines


def main() -> int:
    if not DOCS_FILE.parent.is_dir():
        print(f"{DOCS_FILE.parent} does not exist: run this from ecoaudit's source tree.",
              file=sys.stderr)
        return 1
    catalogue = load_catalogue()
    DOCS_FILE.write_text(render_markdown(catalogue), encoding="utf-8")
    print(f"wrote {DOCS_FILE} ({len(catalogue)} rules)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
