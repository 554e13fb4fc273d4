"""Errors a user can cause and fix: each says in one sentence what is wrong and what to do."""


class EcoauditError(Exception):
    """An error shown to the user as one clear sentence, without a traceback."""


class BrowserNotFound(EcoauditError):
    """No Chromium or Chrome executable could be found."""


class ConfigError(EcoauditError):
    """A configuration file (sites.toml, budget, contract, rules) is invalid."""
