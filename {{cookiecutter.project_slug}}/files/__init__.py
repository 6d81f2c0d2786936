"""How the project stores, serves and checks its static and media files.

storage.py      production's static storage (collectstatic's output on disk)
build.py        what a collectstatic run builds, and what it keeps
run.py          one run: each file written once, compressed copies planned
compression.py  the brotli and gzip copies beside each file
writing.py      files written whole: a temporary name, then a rename
middleware.py   WhiteNoise, safe to serve while collectstatic runs
caching.py      how long browsers and CDNs keep static files
media_types.py  how uploads are typed, checked and shown, wherever they are stored
private.py      private media: sent only after a view's permission check
checks.py       system checks for mistakes Django finds late, or never
"""
