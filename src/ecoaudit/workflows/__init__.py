"""The workflows: what each command does, one folder each, on top of the layers below."""
