"""Static and media files for Django, right in every environment.

Static files (what the code ships):
storage.py        CompressedManifestStorage: WhiteNoise's compressed manifest
                  storage, incremental and safe beside a serving site
pipeline/         what a collectstatic run builds, writes and compresses
middleware.py     WhiteNoise, safe to serve while collectstatic runs
caching.py        how long browsers and CDNs keep static files

Media files (what users upload):
media_types.py    how uploads are typed, checked and served
validators.py     what every upload passes before it is stored
images.py         pictures decoded, held to a pixel limit, stored without metadata
private.py        private media: sent only after a view's permission check

Both:
cloud/            buckets (S3, GCS, Azure) behind a CDN; publishing, CORS,
                  direct uploads
webserver/        nginx and Apache site configs derived from the settings
conf.py           the SITEFILES_ settings and their defaults
checks.py         system checks for mistakes Django finds late, or never
configuration.py  system checks of the settings and storage options given
project_setup.py  setting a project up on a machine (manage.py setup_project)
"""

__version__ = "0.2.0"
