"""The `check` command: budgets and targets as a CI gate, with CI-native outputs."""
