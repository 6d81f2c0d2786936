"""Files written whole or not at all: under a temporary name beside the target,
then renamed over it. A reader (WhiteNoise, the web server) sees the old file
or the new one, never part of one; a process killed mid-write leaves only a
*.partial file, which the next collectstatic removes (existing_files).
"""

import os
import re
import secrets
from contextlib import contextmanager, suppress

SUFFIX = ".partial"
# site.css.1234-9f8e7d6c.partial: the writer's process ID, then a random part.
PARTIAL_NAME = re.compile(r"\.(\d+)-[0-9a-f]{8}" + re.escape(SUFFIX) + "$")


def partial_path(path):
    return f"{path}.{os.getpid()}-{secrets.token_hex(4)}{SUFFIX}"


@contextmanager
def replacing(path):
    """Yield a temporary path to write; rename it over ``path`` on success,
    remove it on failure."""
    partial = partial_path(path)
    try:
        yield partial
        os.replace(partial, path)
    except BaseException:
        with suppress(FileNotFoundError):
            os.remove(partial)
        raise


def write_whole(path, data, modified=None):
    """Write ``data`` to ``path`` whole; ``modified``: its modification time."""
    with replacing(path) as partial:
        with open(partial, "xb") as file:
            file.write(data)
        if modified is not None:
            os.utime(partial, (modified, modified))


def read_if_there(path):
    """The bytes of the file at ``path``, or None if there is none."""
    try:
        with open(path, "rb") as file:
            return file.read()
    except FileNotFoundError:
        return None


def existing_files(root):
    """The names of the files under ``root`` (relative, with "/"), once the
    *.partial files of writers that no longer run on this machine (a killed
    collectstatic) are removed; those of a run in progress stay."""
    names = set()
    for directory, _, files in os.walk(root):
        relative = os.path.relpath(directory, root).replace(os.sep, "/")
        prefix = "" if relative == "." else f"{relative}/"
        for name in files:
            match = PARTIAL_NAME.search(name)
            if match and not running(int(match.group(1))):
                with suppress(FileNotFoundError):
                    os.remove(os.path.join(directory, name))
            else:
                names.add(prefix + name)
    return names


def running(pid):
    if pid == os.getpid() or os.name != "posix":
        return True  # Windows: os.kill would end the process, not look it up
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True
