"""CORS for the buckets. Browsers fetch web fonts and module scripts
(<script type="module">) in CORS mode, and use them from another origin (the
static bucket, or the CDN in front of it) only if the response allows the
page's; a page's direct upload to the media bucket
(sitefiles.cloud.direct_uploads) likewise. Each storage class says which
methods its rules allow (cors_rules)."""

# What pages do with static files: read them. Browsers may keep a preflight's
# answer for a day.
CORS_METHODS = ("GET", "HEAD")
CORS_MAX_AGE = 24 * 60 * 60


def site_origins(allowed_hosts: list[str]) -> list[str]:
    """https://<host> for each name in ALLOWED_HOSTS; ".example.com" (the domain
    and its subdomains) gives the domain's. "*" names no origin."""
    origins = []
    for host in allowed_hosts:
        origin = f"https://{host.lstrip('.')}"
        if host != "*" and origin not in origins:
            origins.append(origin)
    return origins
