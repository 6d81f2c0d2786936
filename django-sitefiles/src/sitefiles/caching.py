"""How long browsers and CDNs may keep static files, wherever they are served from.

Hashed names (site.3f2a1b9c0d4e.css, written by the manifest storage) change
whenever their content does, so they are cached for good; anything else may
change in place and is kept briefly.
"""

import re

# ManifestStaticFilesStorage's names: site.3f2a1b9c0d4e.css (12 hex digits).
HASHED_NAME = r"\.[0-9a-f]{12}\.[^/]+$"
HASHED_MAX_AGE = 315360000  # ten years, as WhiteNoise sends for hashed files
UNHASHED_MAX_AGE = 60  # WhiteNoise's default for files that keep their name


def cache_control(name: str) -> str:
    """The Cache-Control header a static file is served with."""
    if re.search(HASHED_NAME, name):
        return f"public, max-age={HASHED_MAX_AGE}, immutable"
    return f"public, max-age={UNHASHED_MAX_AGE}"
