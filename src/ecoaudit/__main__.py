"""`python -m ecoaudit` runs the command line."""

from ecoaudit.cli import main

main()
