"""`python -m opgtui.cli`: the same as the `opgtui` command."""

from opgtui.cli import main

main()
