"""Incremental equals cold: random sequences of edits to a static tree (content,
names, url() and @import references, source maps, JavaScript module imports,
broken references, edits that keep a file's size and modification time) and of
changes to what shapes the output (WhiteNoise's settings, STATIC_URL, the brotli
quality, the storage's options, the Django line) leave STATIC_ROOT holding, byte
for byte, what a run into an empty one writes; a run that fails leaves the last
manifest and every file it names as they were.

Each example runs tests/collect_sequence.py in a process of its own, with a
Django line's interpreter (hypothesis, on a fixed set of examples: CI is
reproducible).
"""

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.lines import DJANGO_LINES, PACKAGE_DIR, this_line

DRIVER = PACKAGE_DIR / "tests" / "collect_sequence.py"

IMAGES = ("img/a.svg", "img/b.svg")
STYLESHEETS = ("css/c0.css", "css/c1.css", "css/c2.css")
SCRIPTS = ("js/m0.js", "js/m1.js", "js/m2.js")
SOURCES = IMAGES + STYLESHEETS + SCRIPTS
# What may reference what: stylesheets link images and import earlier
# stylesheets, scripts import earlier scripts (no cycles: Django gives up on
# those after a few passes, whatever the storage).
REFERENCES = (
    [(css, image) for css in STYLESHEETS for image in IMAGES]
    + [(STYLESHEETS[i], STYLESHEETS[j]) for i in range(3) for j in range(i)]
    + [(SCRIPTS[i], SCRIPTS[j]) for i in range(3) for j in range(i)]
)
# The tree every sequence starts from: chains two and three deep.
START_REFERENCES = (
    ("css/c0.css", "img/a.svg"),
    ("css/c1.css", "css/c0.css"),
    ("css/c2.css", "css/c1.css"),
    ("css/c2.css", "img/b.svg"),
    ("js/m1.js", "js/m0.js"),
    ("js/m2.js", "js/m1.js"),
)
SETTING_CHANGES = (
    ("WHITENOISE_SKIP_COMPRESS_EXTENSIONS", ["css", "svg"]),
    ("WHITENOISE_SKIP_COMPRESS_EXTENSIONS", None),
    ("WHITENOISE_KEEP_ONLY_HASHED_FILES", True),
    ("WHITENOISE_KEEP_ONLY_HASHED_FILES", False),
    ("STATIC_URL", "/assets/"),
    ("STATIC_URL", "/static/"),
    ("brotli_quality", 9),
    ("brotli_quality", 10),
    ("storage", "js_modules"),
    ("storage", "default"),
)
FILLER = "".join(f".rule-{n} {{ margin: 0; color: #336699; }}\n" for n in range(40))


@dataclass
class Tree:
    """A static tree as a few facts, rendered to sources on demand."""

    versions: dict = field(default_factory=lambda: dict.fromkeys(SOURCES, 0))
    references: set = field(default_factory=lambda: set(START_REFERENCES))
    maps: set = field(default_factory=lambda: {"js/m0.js"})
    broken: set = field(default_factory=set)

    def apply(self, operation):
        """Change the tree; the names whose modification time stays put."""
        kind, *arguments = operation
        if kind == "edit":
            name, version = arguments
            self.versions[name] = version
        elif kind == "same_size":  # another digit, the same length and time
            (name,) = arguments
            if name in self.versions:
                self.versions[name] = (self.versions[name] + 1) % 10
                return {name}
        elif kind == "remove":
            (name,) = arguments
            self.versions.pop(name, None)
            self.references = {r for r in self.references if name not in r}
            self.maps.discard(name)
            self.broken.discard(name)
        elif kind in ("reference", "unreference"):
            (pair,) = arguments
            if kind == "unreference":
                self.references.discard(pair)
            else:
                for name in pair:
                    self.versions.setdefault(name, 0)
                self.references.add(pair)
        elif kind == "map":
            name, on = arguments
            if on:
                self.versions.setdefault(name, 0)
                self.maps.add(name)
            else:
                self.maps.discard(name)
        elif kind == "break":
            name, on = arguments
            if on:
                self.versions.setdefault(name, 0)
                self.broken.add(name)
            else:
                self.broken.discard(name)
        return set()

    def files(self):
        files = {}
        for name, version in self.versions.items():
            targets = sorted(t for s, t in self.references if s == name)
            if name in IMAGES:
                files[name] = (
                    f'<svg xmlns="http://www.w3.org/2000/svg" r="{version}"/>\n'
                )
            elif name in STYLESHEETS:
                files[name] = stylesheet(name, version, targets, self)
            else:
                files[name] = script(name, version, targets, self)
            if name in self.maps:
                files[f"{name}.map"] = json.dumps({"version": 3, "file": name}) + "\n"
        return files


def stylesheet(name, version, targets, tree):
    lines = [f'@import url("{t.split("/")[1]}");' for t in targets if t in STYLESHEETS]
    lines += [
        f'.i{n} {{ background: url("../{t}"); }}'
        for n, t in enumerate(targets)
        if t in IMAGES
    ]
    if name in tree.broken:
        lines.append('.broken { background: url("../img/missing.svg"); }')
    lines.append(f".version {{ order: {version}; }}\n{FILLER}")
    if name in tree.maps:
        lines.append(f"/*# sourceMappingURL={name.split('/')[1]}.map */")
    return "\n".join(lines) + "\n"


def script(name, version, targets, tree):
    lines = [f'import {{ v }} from "./{t.split("/")[1]}";' for t in targets]
    lines.append(
        f"export const v = {version};\n" + "export const x = [1, 2, 3];\n" * 30
    )
    if name in tree.maps:
        lines.append(f"//# sourceMappingURL={name.split('/')[1]}.map")
    return "\n".join(lines) + "\n"


EDITS = st.tuples(st.just("edit"), st.sampled_from(SOURCES), st.integers(0, 9))
OPERATIONS = st.one_of(
    EDITS,
    EDITS,  # the commonest change, twice as likely
    st.tuples(st.just("same_size"), st.sampled_from(SOURCES)),
    st.tuples(st.just("remove"), st.sampled_from(SOURCES)),
    st.tuples(st.just("reference"), st.sampled_from(REFERENCES)),
    st.tuples(st.just("unreference"), st.sampled_from(REFERENCES)),
    st.tuples(st.just("map"), st.sampled_from(STYLESHEETS + SCRIPTS), st.booleans()),
    st.tuples(st.just("break"), st.sampled_from(STYLESHEETS), st.booleans()),
    st.tuples(st.just("setting"), st.sampled_from(SETTING_CHANGES)),
)
EXAMPLES = settings(
    max_examples=12,
    derandomize=True,  # the same examples on every run: CI is reproducible
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def steps_of(operations, line=None):
    """[(Django line, step)] for collect_sequence.py: one step per operation,
    after a first step with the starting tree; this environment's line first,
    and ("line",) switches to another."""
    tree, options, steps = Tree(), {}, []
    line = line or this_line()
    for operation in [("start",), *operations]:
        kept = set()
        if operation[0] == "line":
            line = next(other for other in DJANGO_LINES if other != line)
        elif operation[0] == "setting":
            key, value = operation[1]
            options[key] = value
        else:
            kept = tree.apply(operation)
        step = {"files": tree.files(), "keep_times": sorted(kept)}
        steps.append((line, {**step, "settings": dict(options)}))
    return steps


def run_driver(python, job):
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "TEST_SITE_")) and key != "PYTHONPATH"
    }
    result = subprocess.run(
        [str(python), str(DRIVER)],
        cwd=PACKAGE_DIR,
        env=environment,
        input=json.dumps(job),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def run_steps(django_line_python, steps, tmp_path):
    """Run the steps, each line's with its interpreter; the problems found."""
    problems, last = [], None
    paths = {key: str(tmp_path / key) for key in ("sources", "root", "work")}
    start = 0
    while start < len(steps):
        line = steps[start][0]
        end = start
        while end < len(steps) and steps[end][0] == line:
            end += 1
        job = {**paths, "last": last, "steps": [step for _, step in steps[start:end]]}
        output = run_driver(django_line_python(line), job)
        for number, outcome in enumerate(output["results"], start):
            problems += [
                f"step {number} (Django {line}): {p}" for p in outcome["problems"]
            ]
        last = output["last"]
        start = end
    return problems


@pytest.mark.servers
@EXAMPLES
@given(operations=st.lists(OPERATIONS, min_size=2, max_size=7))
def test_an_incremental_run_ends_where_a_cold_run_does(
    django_line_python, tmp_path_factory, operations
):
    tmp_path = tmp_path_factory.mktemp("sequence")

    problems = run_steps(django_line_python, steps_of(operations), tmp_path)

    assert problems == [], operations


@pytest.mark.lines
@settings(EXAMPLES, max_examples=4)
@given(
    operations=st.lists(
        st.one_of(OPERATIONS, st.just(("line",))), min_size=3, max_size=7
    ).filter(lambda operations: ("line",) in operations)
)
def test_a_change_of_django_line_is_a_cold_build(
    django_line_python, tmp_path_factory, operations
):
    tmp_path = tmp_path_factory.mktemp("lines")

    problems = run_steps(django_line_python, steps_of(operations), tmp_path)

    assert problems == [], operations


@pytest.mark.servers
def test_the_driver_reports_what_differs_from_a_cold_run(tmp_path):
    """The property tests can fail: a file of the cold run changed by hand in
    the incremental root is reported."""
    steps = steps_of([("edit", "css/c0.css", 1)])
    paths = {key: str(tmp_path / key) for key in ("sources", "root", "work")}
    for number, (_, step) in enumerate(steps):
        if number:
            manifest = json.loads((tmp_path / "root" / "staticfiles.json").read_text())
            tampered = manifest["paths"]["js/m0.js"]
            (tmp_path / "root" / tampered).write_text("tampered")
        output = run_driver(sys.executable, {**paths, "steps": [step]})

    problems = output["results"][0]["problems"]
    assert problems == [f"{tampered} differs from a cold run's"]
