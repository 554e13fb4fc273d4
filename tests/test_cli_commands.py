"""The `ecoaudit` group imports each command's module only when that command runs."""

from __future__ import annotations

import subprocess
import sys

from ecoaudit.cli import COMMAND_MODULES, _register, cli


def test_every_command_defined_is_in_the_lazy_map_and_nothing_else():
    _register()
    assert set(cli.commands) == set(COMMAND_MODULES)


def test_running_one_command_does_not_import_the_others():
    probe = ("import sys; from ecoaudit.cli import cli; cli.get_command(None, 'rules'); "
             "print(sorted(m for m in sys.modules if m.startswith('ecoaudit.cli.')))")
    imported = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                              check=True).stdout
    assert "ecoaudit.cli.rules" in imported
    assert "ecoaudit.cli.acceptance" not in imported and "ecoaudit.cli.crawl" not in imported
