"""Finish the generated project: prune the options not chosen, record the
template for cruft, then set the project up with its own bootstrap.py, the
command a teammate runs after ``git clone``. cruft (its context carries
``_commit``) gets the pruned files only. Nothing here exits with an error, since
cookiecutter would then delete the project. Answers arrive as JSON data."""

import fnmatch
import importlib.metadata
import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ANSWERS = r"""{{ cookiecutter | tojson }}"""

SKIP_SETUP_VARIABLE = "COOKIECUTTER_SKIP_SETUP"
# What the project imports (brotli: WhiteNoise's .br files); all present, with
# django-sitefiles at the version the project pins, means this interpreter runs
# it, and bootstrap.py uses it instead of building .venv.
PROJECT_MODULES = ("django", "environ", "whitenoise", "brotli", "sitefiles")
SITEFILES_DISTRIBUTION = "django-sitefiles"
CRUFT_FILE = ".cruft.json"
# Places on this machine, in cookiecutter's context but not in cruft's file.
MACHINE_CONTEXT_KEYS = ("_output_dir", "_repo_dir", "_checkout")
# cruft adds the template's commit to the context; cookiecutter never does.
CRUFT_COMMIT_KEY = "_commit"
# Variables that would point git elsewhere than the template checkout.
GIT_LOCATION_VARIABLES = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE")


class NoRecord(Exception):
    """Why the project gets no .cruft.json."""


def prune(project, answers):
    """Remove the files of options the answers did not ask for: what the
    options table in cookiecutter.json (``_options``) gives an answer value
    that was not chosen, unless a chosen one has it too."""
    chosen, others = [], []
    for question, values in answers["_options"].items():
        answer = json.dumps(answers[question]).strip('"')  # true, false, or text
        for value, option in values.items():
            (chosen if value == answer else others).extend(option.get("files", []))
    removed = sorted(
        {
            path.relative_to(project).as_posix()
            for pattern in others
            for path in project.glob(pattern)
        }
    )
    removed = [
        name
        for name in removed
        if not any(fnmatch.fnmatchcase(name, pattern) for pattern in chosen)
    ]
    if answers["_sitefiles"]["source"] != "vendor" and (project / "vendor").exists():
        removed.append("vendor")  # django-sitefiles comes from the index
    for name in removed:
        path = project / name
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():  # gone with its directory
            path.unlink()
    return f"removed {', '.join(removed)}" if removed else "nothing to remove"


def make_executable(path):
    """Add execute wherever read is set: a template from a zip arrives without
    file modes (Python's zipfile drops them)."""
    mode = path.stat().st_mode
    executable = mode | (mode & 0o444) >> 2
    if executable == mode:
        return f"{path.name} was"
    path.chmod(executable)
    return f"{path.name} was not (a template from a zip)"


# --- Updates with cruft ------------------------------------------------------


def git(directory, *arguments):
    """Run git in ``directory``, whatever GIT_DIR the caller had set."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in GIT_LOCATION_VARIABLES
    }
    try:
        return subprocess.run(
            ["git", "-C", str(directory), *arguments],
            env=environment,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    except (OSError, subprocess.SubprocessError) as error:
        raise NoRecord(f"could not run git ({error})") from error


def template_directory(answers, environ=os.environ):
    """The template directory cookiecutter rendered, as an absolute path: the
    ``_repo_dir`` cookiecutter gives hooks, made absolute against where it was
    started (the shell's PWD) or its output directory."""
    given = Path(answers.get("_repo_dir") or "")
    if given.is_absolute():
        return given
    bases = (environ.get("PWD"), answers.get("_output_dir"))
    for candidate in (Path(base, given) for base in bases if base):
        if (candidate / "cookiecutter.json").is_file():
            return Path(os.path.abspath(candidate))
    raise NoRecord(f"where the template {str(given)!r} is, is not known here")


def template_source(answers, environ=os.environ):
    """Where cruft finds the template again: its git location (the path given,
    or the URL cookiecutter cloned), the commit, and the directory of
    cookiecutter.json inside the repository."""
    directory = template_directory(answers, environ)
    top = git(directory, "rev-parse", "--show-toplevel")
    head = git(directory, "rev-parse", "--verify", "HEAD")
    if top.returncode != 0 or head.returncode != 0:
        raise NoRecord(f"the template at {directory} is not a git commit")
    top_level = Path(top.stdout.strip())
    inside = os.path.relpath(os.path.realpath(directory), os.path.realpath(top_level))
    template, repo_dir = Path(str(answers["_template"])), Path(answers["_repo_dir"])
    if repo_dir == template or template in repo_dir.parents:  # given as a path
        location = str(directory) if inside == "." else str(top_level)
    else:
        origin = git(top_level, "remote", "get-url", "origin")
        location = origin.stdout.strip() if origin.returncode == 0 else ""
        location = location or str(answers["_template"])
    status = git(directory, "status", "--porcelain", "--", ".")
    questions = json.loads((directory / "cookiecutter.json").read_text())
    return {
        "template": location,
        "commit": head.stdout.strip(),
        "directory": None if inside == "." else Path(inside).as_posix(),
        "uncommitted": status.returncode != 0 or bool(status.stdout.strip()),
        "questions": questions,
    }


def cruft_state(answers, source):
    """What ``cruft create`` writes to .cruft.json, plus the paths to skip: the
    answers in cookiecutter.json's order (they arrive sorted), each as written
    there if it is equal (nested keys in their order)."""
    questions = source["questions"]
    order = list(questions)
    keys = sorted(
        (key for key in answers if key not in MACHINE_CONTEXT_KEYS),
        key=lambda key: order.index(key) if key in order else len(order),
    )
    context = {
        key: questions[key] if questions.get(key) == answers[key] else answers[key]
        for key in keys
    }
    context["_template"] = source["template"]
    context[CRUFT_COMMIT_KEY] = source["commit"]
    return {
        "template": source["template"],
        "commit": source["commit"],
        "checkout": answers.get("_checkout"),
        "context": {"cookiecutter": context},
        "directory": source["directory"],
        # What cruft update and diff never touch (data, secrets, build output):
        # cruft deletes each path from both renders it compares.
        "skip": answers["_cruft_skip"],
    }


def record_template(project, answers, environ=os.environ):
    """Write .cruft.json, which cruft check, update and diff read."""
    cruft_file = project / CRUFT_FILE
    if cruft_file.exists():
        return f"kept the existing {CRUFT_FILE}"
    try:
        source = template_source(answers, environ)
    except (OSError, ValueError) as error:
        raise NoRecord(error) from error
    state = cruft_state(answers, source)
    text = json.dumps(state, ensure_ascii=False, indent=2, separators=(",", ": "))
    cruft_file.write_text(text + "\n")
    detail = f"{CRUFT_FILE}: {source['template']} at {source['commit'][:12]}"
    if source["uncommitted"]:
        detail += " (uncommitted template changes: cruft takes that commit's)"
    return detail


# --- Set-up --------------------------------------------------------------------


def record_or_say_why(bootstrap, project, answers):
    try:
        return record_template(project, answers)
    except NoRecord as error:
        raise bootstrap.SkippedStepError(
            f"no {CRUFT_FILE}: {error}. To update with cruft: cruft link <its git URL>"
        ) from error


def setup_enabled(answers, environ=os.environ):
    skip = environ.get(SKIP_SETUP_VARIABLE, "").strip().lower()
    return answers["set_up_environment"] and skip in ("", "0", "false", "no")


def runs_the_project(answers):
    """Whether this interpreter has the project's modules, its Django line and
    the django-sitefiles version it pins."""
    if any(importlib.util.find_spec(name) is None for name in PROJECT_MODULES):
        return False
    import django

    if django.__version__.split(".")[:2] != answers["django_version"].split("."):
        return False
    try:
        installed = importlib.metadata.version(SITEFILES_DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        return False
    return installed == answers["_sitefiles"]["version"]


def load_bootstrap(project):
    spec = importlib.util.spec_from_file_location("bootstrap", project / "bootstrap.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main():
    answers = json.loads(ANSWERS)
    project = Path.cwd()
    if CRUFT_COMMIT_KEY in answers:
        print(
            f"Rendering {project.name} for cruft: the options you did not choose"
            " are removed; python3 bootstrap.py sets a project up.",
            flush=True,
        )
        prune(project, answers)
        make_executable(project / "manage.py")
        return
    bootstrap = load_bootstrap(project)
    steps = bootstrap.Steps()
    print(f"Finishing {project.name}:", flush=True)
    steps.run("Remove options you did not choose", prune, project, answers)
    steps.run("Make manage.py executable", make_executable, project / "manage.py")
    steps.run(
        "Record the template for cruft", record_or_say_why, bootstrap, project, answers
    )
    if not setup_enabled(answers):
        if steps.fixes:
            steps.stopped(
                "Not everything finished; run these in the project:", steps.fixes
            )
        steps.stopped(
            "Next:", ["python3 bootstrap.py    # .venv, .env, static files, database"]
        )
        return
    python = sys.executable if runs_the_project(answers) else None
    bootstrap.set_up(project, python, steps)


if __name__ == "__main__":
    main()
