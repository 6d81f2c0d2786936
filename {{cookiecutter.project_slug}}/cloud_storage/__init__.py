"""Static and media files in object storage (django-storages), behind a CDN.

config/settings/production.py picks the classes here and gives them their
options from the environment; local and test settings keep files on disk and
in memory, so development needs no cloud account. checks.py checks the form of
those options with `manage.py check --deploy` (registered in apps.py).
"""
