"""How long generating a project takes, and how much of it is the hook.

Renders the template with the default answers twice over, each time into a
fresh directory: with the post-generation hook (Django is importable here, so
it uses this interpreter: .env, collectstatic with production settings,
migrate; environment set-up off) and without it (templating and copying
only). The ratio is what the hook costs a newcomer on top of the copy.

Then what a newcomer waits for with uv, from nothing: `uvx cookiecutter` (as
the README says) with the uv answer and the set-up on, and an empty uv cache
each time, so cookiecutter, the project's dependencies and its lock all come
from PyPI: uv.lock written, .venv synced, collectstatic, migrate. Skipped,
with the reason, where uv is missing.
"""

import itertools
import os
import shutil
import subprocess
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
    rows = [
        Row(SECTION, "without hooks", without_hooks, "s", 1.0),
        Row(SECTION, "with hooks", with_hooks, "s", with_hooks / without_hooks),
    ]
    uv = shutil.which("uv")
    if uv is None:
        print(f"{SECTION}: set-up row skipped, uv is not on PATH", file=sys.stderr)
        return rows

    def set_up():
        work = context.work / SECTION / f"{next(numbers)}-uvx"
        environment = {
            key: value
            for key, value in os.environ.items()
            if key not in ("COOKIECUTTER_SKIP_SETUP", "VIRTUAL_ENV")
        }
        environment["UV_CACHE_DIR"] = str(work / "uv-cache")  # empty
        subprocess.run(
            [uv, "tool", "run", "cookiecutter", "--no-input"]
            + ["--output-dir", str(work), str(project.TEMPLATE_DIR)]
            + ["package_manager=uv"],
            env=environment,
            check=True,
            stdout=sys.stderr,
            timeout=600,
        )

    with_set_up = median_seconds(context.runs, set_up)
    case = "uvx cookiecutter, uv answer, set-up, empty caches"
    rows.append(Row(SECTION, case, with_set_up, "s"))
    return rows
