"""collectstatic that never leaves STATIC_ROOT half-written.

Django's own command writes into STATIC_ROOT while the site serves from it: a
run that fails (a broken url() in a stylesheet, a full disk, a killed deploy)
leaves new files beside an old manifest, or a manifest naming files that were
never written. This one collects into STATIC_ROOT.next, a copy of STATIC_ROOT
made of hard links (no file data is copied, and the storage still finds its
last run there), and swaps it with STATIC_ROOT in one step once every file is
written. A failure leaves the previous files serving.

The copy stays between runs, holding the tree it replaced: the next run only
relinks what differs from STATIC_ROOT, which is cheaper than a fresh copy and
removing the old tree (most files are the same inode in both).

Hard links are safe because Django and config/static_storage.py never write
into an existing file: they remove it and write a new one. --in-place runs
Django's command unchanged.
"""

import ctypes
import errno
import os
import shutil
import sys
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles.management.commands import collectstatic
from django.core.files.storage import storages
from django.core.management.base import CommandError

try:
    import fcntl
except ImportError:  # Windows, a development machine only
    fcntl = None

STAGING_SUFFIX = ".next"
RETIRED_SUFFIX = ".old"  # where the old tree waits without an atomic exchange


class Command(collectstatic.Command):
    help = (
        "Collect static files into a copy of STATIC_ROOT, then swap it in: a "
        "failed run leaves the previous files serving."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--in-place",
            action="store_true",
            help="Write into STATIC_ROOT directly, as Django's collectstatic does.",
        )

    def set_options(self, **options):
        super().set_options(**options)
        self.in_place = options["in_place"]

    def collect(self):
        if self.in_place or self.dry_run or not self.collects_into_static_root():
            return super().collect()
        live = Path(settings.STATIC_ROOT)
        check_swappable(live)
        staging = live.with_name(live.name + STAGING_SUFFIX)
        with one_run_at_a_time(live):
            live_storage = self.storage
            try:
                stage(live, staging)
                self.storage = storage_at(staging)  # loads the copy's manifest
                collected = super().collect()
                swap(staging, live)
            except BaseException:
                self.stderr.write(
                    f"collectstatic failed; {live} still holds the previous files."
                )
                raise
            finally:
                self.storage = live_storage
        if hasattr(self.storage, "load_manifest"):  # for the static tag in this process
            manifest = self.storage.load_manifest()
            self.storage.hashed_files, self.storage.manifest_hash = manifest
        return collected

    def collects_into_static_root(self):
        location = self.is_local_storage() and self.storage.location
        return bool(location and settings.STATIC_ROOT) and (
            Path(location).resolve() == Path(settings.STATIC_ROOT).resolve()
        )


def check_swappable(live):
    """STATIC_ROOT must be a plain directory on its parent's file system, or
    absent (the first run): a mount point or a symbolic link cannot be swapped.
    Both it and its parent must be writable: the copy is made beside it."""
    fix = "set DJANGO_STATIC_ROOT to a directory inside it, or run with --in-place"
    if live.is_symlink():
        raise CommandError(f"STATIC_ROOT {live} is a symbolic link: {fix}.")
    if live.exists() and os.stat(live).st_dev != os.stat(live.parent).st_dev:
        raise CommandError(f"STATIC_ROOT {live} is a mount point: {fix}.")
    for directory in (live.parent, live):
        if directory.exists() and not os.access(directory, os.W_OK | os.X_OK):
            raise CommandError(
                f"{directory} is not writable by this user, and collectstatic "
                f"writes {live.name}{STAGING_SUFFIX}/ beside STATIC_ROOT, then swaps "
                "it in: run it as the user who owns them."
            )


@contextmanager
def one_run_at_a_time(live):
    """A second run would take the first one's staging copy. The lock (on the
    parent directory, which stays put) goes with the process, even a killed one."""
    live.parent.mkdir(parents=True, exist_ok=True)
    if fcntl is None:
        yield
        return
    descriptor = os.open(live.parent, os.O_RDONLY)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise CommandError(
                f"Another collectstatic is writing to {live}: wait for it to end."
            ) from None
        yield
    finally:
        os.close(descriptor)


def stage(live, staging):
    """Make ``staging`` the same tree as ``live``, of hard links to its files
    (empty on a first run), whatever a failed or killed run left in it."""
    retired = live.with_name(live.name + RETIRED_SUFFIX)
    if retired.exists():
        shutil.rmtree(retired)
    if staging.is_symlink() or staging.is_file():
        staging.unlink()
    if live.is_dir():
        mirror(live, staging)
    else:
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir()


def mirror(source, target):
    """Make ``target`` hold what ``source`` holds, changing only what differs:
    a file that is the same inode (readdir tells, without a stat) is left."""
    if not os.path.isdir(target) or os.path.islink(target):
        remove(target)
        os.mkdir(target)
    shutil.copymode(source, target)
    left = {entry.name: entry for entry in os.scandir(target)}
    for entry in os.scandir(source):
        path = os.path.join(target, entry.name)
        there = left.pop(entry.name, None)
        if entry.is_dir(follow_symlinks=False):
            mirror(entry.path, path)
        elif there is None or not same_file(entry, there):
            remove(path)
            if entry.is_symlink():
                os.symlink(os.readlink(entry.path), path)
            else:
                link_or_copy(entry.path, path)
    for entry in left.values():
        remove(entry.path)


def same_file(entry, other):
    if entry.is_symlink() or other.is_symlink():
        both = entry.is_symlink() and other.is_symlink()
        return both and os.readlink(entry.path) == os.readlink(other.path)
    return not other.is_dir(follow_symlinks=False) and entry.inode() == other.inode()


def remove(path):
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path)
    elif os.path.lexists(path):
        os.unlink(path)


def link_or_copy(source, target):
    try:
        os.link(source, target)
    except OSError:  # a file system without hard links
        shutil.copy2(source, target)


def storage_at(location):
    """The static files storage, as configured, writing to ``location``."""
    config = settings.STORAGES["staticfiles"]
    options = {**config.get("OPTIONS", {}), "location": str(location)}
    return storages.create_storage({**config, "OPTIONS": options})


def swap(staging, live):
    """Put ``staging`` at ``live``'s path, and the tree it replaces at
    ``staging``'s, for the next run to start from."""
    if not live.exists():
        staging.rename(live)
    elif not exchange(staging, live):
        # No atomic exchange here: for an instant between the renames,
        # STATIC_ROOT is missing.
        retired = live.with_name(live.name + RETIRED_SUFFIX)
        live.rename(retired)
        try:
            staging.rename(live)
        except BaseException:
            retired.rename(live)
            raise
        retired.rename(staging)


RENAME_EXCHANGE = 2
AT_FDCWD = -100


def exchange(first, second):
    """Swap two paths in one system call, renameat2(RENAME_EXCHANGE) on Linux:
    a request sees either tree whole. False where the system cannot."""
    if sys.platform != "linux":
        return False
    renameat2 = getattr(ctypes.CDLL(None, use_errno=True), "renameat2", None)
    if renameat2 is None:  # a C library older than glibc 2.28
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p] * 2 + [ctypes.c_uint]
    paths = os.fsencode(first), os.fsencode(second)
    if renameat2(AT_FDCWD, paths[0], AT_FDCWD, paths[1], RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL):  # a kernel or file system without it
        return False
    raise OSError(code, os.strerror(code), str(first), None, str(second))
