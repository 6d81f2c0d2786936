"""A synthetic static tree: small CSS and JS files that reference each other.

CSS files @import a few "base" stylesheets and point url() at the admin's images
(so Django rewrites them, as in a real project); JS files import base modules.
Bases reference nothing of the tree, so chains stay two deep, like real sites,
and Django's post-processing settles in its usual number of passes. Content is
text of the shape real code has, so it compresses like real code.
"""

import random
from pathlib import Path

TREE = "bench"
BASES = 20
ADMIN_IMAGES = (
    "admin/img/icon-yes.svg",
    "admin/img/icon-no.svg",
    "admin/img/search.svg",
    "admin/img/sorting-icons.svg",
)
PROPERTIES = ("color", "margin", "padding", "border", "display", "font-size", "width")
VALUES = ("0", "1px solid #ccc", "#336699", "block", "inline-flex", "1.25rem", "auto")
WORDS = ("user", "panel", "item", "list", "state", "value", "node", "event", "view")


def css_rule(rng, index):
    declarations = "".join(
        f"  {rng.choice(PROPERTIES)}: {rng.choice(VALUES)};\n"
        for _ in range(rng.randint(2, 6))
    )
    return f".{rng.choice(WORDS)}-{index}-{rng.randint(0, 999)} {{\n{declarations}}}\n"


def js_function(rng, index):
    a, b = rng.sample(WORDS, 2)
    return (
        f"export function {a}{index}_{rng.randint(0, 999)}({b}) {{\n"
        f"  const {a} = {b}.map((x) => x * {rng.randint(2, 9)});\n"
        f"  if ({a}.length > {rng.randint(1, 50)}) {{\n"
        f'    return {a}.filter(Boolean).join("{rng.choice(WORDS)}");\n'
        f"  }}\n  return {b};\n}}\n"
    )


def body(rng, make, size):
    parts, length, index = [], 0, 0
    while length < size:
        part = make(rng, index)
        parts.append(part)
        length += len(part)
        index += 1
    return "".join(parts)


def css_file(rng, number):
    lines = []
    if number >= BASES:
        for base in sorted(rng.sample(range(BASES), 2)):
            lines.append(f'@import url("base-{base:02d}.css");\n')
    for _ in range(rng.randint(1, 2)):
        lines.append(
            f".icon-{number}-{len(lines)} {{ background: "
            f'url("../../{rng.choice(ADMIN_IMAGES)}") no-repeat; }}\n'
        )
    return "".join(lines) + body(rng, css_rule, rng.randint(1_000, 8_000))


def js_file(rng, number):
    imports = ""
    if number >= BASES:
        base = rng.randrange(BASES)
        imports = f'import * as base from "./base-{base:02d}.js";\n'
    return imports + body(rng, js_function, rng.randint(1_000, 8_000))


def file_name(number, extension):
    if number < BASES:
        return f"base-{number:02d}.{extension}"
    return f"m{number:05d}.{extension}"


def write_tree(static_dir, files=2_000, seed=0):
    """Write ``files`` files (half CSS, half JS) under static_dir/bench/."""
    rng = random.Random(seed)
    root = Path(static_dir) / TREE
    for kind in ("css", "js"):
        (root / kind).mkdir(parents=True, exist_ok=True)
    written = 0
    for number in range(files):
        kind, make = ("css", css_file) if number % 2 == 0 else ("js", js_file)
        path = root / kind / file_name(number // 2, kind)
        path.write_text(make(rng, number // 2))
        written += path.stat().st_size
    return written
