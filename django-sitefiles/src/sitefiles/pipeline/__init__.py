"""The static pipeline behind sitefiles.storage.CompressedManifestStorage.

build.py        what a collectstatic run builds, and what it keeps
run.py          one run: each file written once, compressed copies planned
compression.py  the brotli and gzip copies beside each file
writing.py      files written whole: a temporary name, then a rename
"""
