"""Static and media files in object storage (django-storages), behind a CDN.

s3.py, gcs.py, azure.py  a StaticStorage and a MediaStorage for each provider
                         (extras: s3, gcs, azure)
publish.py               collectstatic for a bucket: build on disk, upload only
                         what the bucket lacks, the manifest last
manifest.py              pages link through the release's own manifest, from
                         STATIC_ROOT, never the bucket's (the last release's)
cors.py                  the CORS rules that pages need from the buckets
direct_uploads.py        a browser's upload straight to the media bucket, kept
                         once checked
checks.py                deploy checks of the buckets' options
"""
