"""``python -m advgo``: the same as the ``advgo`` command."""

from advgo.cli import app

app(prog_name="advgo")
