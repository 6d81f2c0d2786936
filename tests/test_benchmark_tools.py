"""The benchmark's own parts that can be checked fast: the synthetic static
tree it measures and the table it prints (benchmarks/; timing is never tested)."""

import re
from pathlib import Path

import django

from benchmarks import buckets
from benchmarks.static_tree import TREE, write_tree
from benchmarks.table import Row, print_table

ADMIN_STATIC = Path(django.__file__).parent / "contrib" / "admin" / "static"
CSS_REFERENCE = re.compile(r'url\("([^"]+)"\)')
JS_IMPORT = re.compile(r'from "(\./[^"]+)"')


def test_the_tree_has_the_files_asked_for_and_every_reference_resolves(tmp_path):
    size = write_tree(tmp_path, files=120)

    files = sorted((tmp_path / TREE).rglob("*"))
    files = [path for path in files if path.is_file()]
    assert len(files) == 120
    assert size == sum(path.stat().st_size for path in files)
    references = 0
    for path in files:
        pattern = CSS_REFERENCE if path.suffix == ".css" else JS_IMPORT
        for target in pattern.findall(path.read_text()):
            resolved = (path.parent / target).resolve()
            if "admin/" in target:  # Django's admin, collected beside the tree
                resolved = ADMIN_STATIC / target.split("../")[-1]
            assert resolved.is_file(), f"{path.name} -> {target}"
            references += 1
    assert references > 120  # stylesheets import bases and link images


def test_the_tree_is_the_same_for_the_same_seed(tmp_path):
    write_tree(tmp_path / "one", files=30)
    write_tree(tmp_path / "two", files=30)

    for path in (tmp_path / "one").rglob("*.*"):
        twin = tmp_path / "two" / path.relative_to(tmp_path / "one")
        assert twin.read_bytes() == path.read_bytes()


def test_the_table_aligns_figures_and_ratios(capsys):
    print_table(
        [
            Row("collectstatic", "cold, plain", 0.912, "s", 0.4),
            Row("collectstatic", "cold, manifest", 2.3, "s", 1.0),
            Row("serving", "bare nginx", 75342.4, "req/s"),
        ]
    )

    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split(" | ")[:3] == ["section      ", "case          ", "median"]
    assert "0.912" in lines[2]
    assert lines[2].endswith("0.40x")
    assert "75,342" in lines[4]
    assert lines[4].endswith(" ")
    assert len({len(line) for line in lines}) == 1


def test_the_bucket_rows_set_collectfasta_against_the_publisher():
    figures = {
        buckets.PUBLISHER: {
            buckets.COLD: (2.0, 264),
            buckets.NO_CHANGE: (1.0, 1),
            buckets.FRESH: (1.0, 0),
        },
        buckets.COLLECTFASTA: {
            buckets.COLD: (4.0, 800),
            buckets.NO_CHANGE: (1.5, 4),
            buckets.FRESH: (1.5, 4),
        },
    }

    rows = buckets.provider_rows("s3", figures, "collectfasta 3.3.5")

    assert [(row.case, row.figure, row.ratio) for row in rows[:4]] == [
        ("s3 cold, publisher", 2.0, None),
        ("s3 cold, collectfasta 3.3.5", 4.0, 2.0),
        ("s3 cold, publisher", 264, None),
        ("s3 cold, collectfasta 3.3.5", 800, 800 / 264),
    ]
    assert rows[-1].ratio is None  # no ratio over zero requests
    assert {row.unit for row in rows} == {"s", "requests"}


def test_the_collectfasta_settings_put_its_command_first():
    compile(buckets.COLLECTFASTA_SETTINGS, "bench_collectfasta.py", "exec")
    assert '"collectfasta",' in buckets.COLLECTFASTA_SETTINGS
    # django-sitefiles' collectstatic comes after it; its check says so.
    assert '"sitefiles.E006"' in buckets.COLLECTFASTA_SETTINGS


def test_node_modules_room_counts_each_file_once(tmp_path):
    from benchmarks.frontend import disk_size

    (tmp_path / "package").mkdir()
    (tmp_path / "package" / "binary").write_bytes(b"x" * 1024 * 1024)
    (tmp_path / ".bin").mkdir()
    (tmp_path / ".bin" / "binary").symlink_to(tmp_path / "package" / "binary")
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "binary").hardlink_to(tmp_path / "package" / "binary")

    assert disk_size(tmp_path) == 1.0
