"""The README's Public API table: every name it gives exists and is typed."""

import importlib
import inspect
import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def table_rows():
    """The first cell of each row of the Public API table."""
    section = README.read_text().split("## Public API", 1)[1].split("\n## ", 1)[0]
    return [
        line.split("|")[1].strip()
        for line in section.splitlines()
        if line.startswith("| `")
    ]


def public_names():
    """(module, attribute or None) for each name the table gives."""
    names = []
    for cell in table_rows():
        if cell.startswith("commands"):
            continue  # the Commands section's
        modules, _, attributes = cell.partition(":")
        dotted = re.findall(r"`([\w.]+)", modules)
        # `sitefiles.cloud.s3`, `.gcs`, `.azure`: siblings of the first.
        parent = dotted[0].rpartition(".")[0]
        modules = [parent + name if name.startswith(".") else name for name in dotted]
        attributes = re.findall(r"`(\w+)", attributes)
        for module in modules:
            if attributes:
                names += [(module, attribute) for attribute in attributes]
            else:
                names.append((module, None))
    return names


def resolve(module, attribute):
    """The object a dotted name from the table names."""
    try:
        return getattr(importlib.import_module(module), attribute or "__name__")
    except ModuleNotFoundError:
        # `sitefiles.caching.cache_control(name)`: a function in a module.
        module, _, attribute = module.rpartition(".")
        return getattr(importlib.import_module(module), attribute)


def untyped(function):
    """The parameters (and "return") of a function that lack a type hint."""
    signature = inspect.signature(function)
    missing = [
        name
        for name, parameter in signature.parameters.items()
        if name not in ("self", "cls")
        and parameter.kind not in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD)
        and parameter.annotation is inspect.Parameter.empty
    ]
    if signature.return_annotation is inspect.Signature.empty:
        missing.append("return")
    return missing


def own_methods(cls):
    """The public methods a class adds to its bases (overrides keep theirs)."""
    inherited = {name for base in cls.__mro__[1:] for name in vars(base)}
    return {
        name: value
        for name, value in vars(cls).items()
        if inspect.isfunction(value)
        and not name.startswith("_")
        and name not in inherited
    }


def test_the_table_names_what_the_package_has():
    names = public_names()

    assert len(names) > 30  # the table was read
    for module, attribute in names:
        assert resolve(module, attribute) is not None, (module, attribute)


def test_every_public_function_and_method_is_typed():
    missing = {}
    for module, attribute in public_names():
        value = resolve(module, attribute)
        if inspect.isfunction(value):
            missing[f"{module}.{attribute}"] = untyped(value)
        elif inspect.isclass(value):
            for name, method in own_methods(value).items():
                missing[f"{module}.{attribute}.{name}"] = untyped(method)

    assert {name: gaps for name, gaps in missing.items() if gaps} == {}
