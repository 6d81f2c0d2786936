"""How long generating a project takes, and how much of it is the hook.

Renders the template with the default answers twice over, each time into a
fresh directory: with the post-generation hook (Django is importable here, so
it uses this interpreter: .env, collectstatic with production settings,
migrate; environment set-up off) and without it (templating and copying
only). The ratio is what the hook costs a newcomer on top of the copy.
"""

import itertools
import os
import sys
from contextlib import contextmanager

from benchmarks import project
from benchmarks.table import Row, median_seconds

SECTION = "rendering"


@contextmanager
def stdout_to_stderr():
    """The hook prints its steps to the inherited stdout: keep the table clean."""
    sys.stdout.flush()
    saved = os.dup(1)
    os.dup2(2, 1)
    try:
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


def measure(context):
    numbers = itertools.count()

    def render(hooks):
        def action():
            output = context.work / SECTION / f"{next(numbers)}-hooks-{hooks}"
            project.render(output, hooks=hooks)

        return action

    with stdout_to_stderr():
        with_hooks = median_seconds(context.runs, render(True))
        without_hooks = median_seconds(context.runs, render(False))
    return [
        Row(SECTION, "without hooks", without_hooks, "s", 1.0),
        Row(SECTION, "with hooks", with_hooks, "s", with_hooks / without_hooks),
    ]
