"""How the suite's tests are shared out between xdist workers.

A test file is one unit of work, run by one worker: its tests share module and
session fixtures (baked projects, environments, servers, images) that would
otherwise be built once per worker. Files in SHARED_UNITS make one unit; the
tests of SPREAD_FILES are units of their own.

pytest-xdist's `--dist loadgroup` carries xdist_group marks in node ids, which
pytest 9.2 no longer lets a plugin change (pytest-xdist #1386): it then spreads
every file over every worker without a word. This scheduler reads the file
name from the node id instead. It is xdist's own load-scope scheduling with a
different scope; pytest's `-p scheduling` loads it on its own.
"""

from xdist.scheduler import LoadScopeScheduling

# Independent of each other and long: spread over the workers.
SPREAD_FILES = {"test_storage_pairs.py"}
# A podman build (4.3, Debian 12) lost its working container ("container not
# known") while the deploy test's podman ran beside it: one worker runs both.
SHARED_UNITS = {"test_containers.py": "podman", "test_deploy_readme.py": "podman"}


def unit_of(nodeid):
    """The unit of work a test belongs to, from its node id."""
    path = nodeid.split("::", 1)[0]
    name = path.rpartition("/")[2]
    if name in SPREAD_FILES:
        return nodeid
    return SHARED_UNITS.get(name, path)


class FileScheduling(LoadScopeScheduling):
    """Load-scope scheduling, one scope per unit_of()."""

    def _split_scope(self, nodeid):
        return unit_of(nodeid)


def pytest_xdist_make_scheduler(config, log):
    if config.getvalue("dist") == "loadscope":
        return FileScheduling(config, log)
    return None
