"""Accounts: sign-up, email, uploaded files (avatars)."""

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from chatsite import email_url
from chatsite.settings.core import CONTENT_SECURITY_POLICY, DEBUG, RATE_LIMITS, STORAGES
from chatsite.settings.environment import BASE_DIR, env_bool

# Accounts (accounts/, README "Accounts"). SIGNUP: "invite" (the default) lets people sign up
# only through an invitation link that staff hand out; "open" lets anyone.
SIGNUP = os.environ.get("SIGNUP", "invite").strip().lower() or "invite"
if SIGNUP not in {"invite", "open"}:
    raise ImproperlyConfigured(f"SIGNUP must be 'invite' or 'open', not {SIGNUP!r}.")
# Outgoing email (password resets): EMAIL_URL, read by chatsite/email_url.py, e.g.
# smtp://user:pass@host:587?tls=true; unset, `console:` under DEBUG, else smtp://localhost:25.
_email = os.environ.get("EMAIL_URL") or ("console:" if DEBUG else "smtp://localhost")
try:
    globals().update(email_url.parse(_email))
except email_url.InvalidEmailUrl as error:
    raise ImproperlyConfigured(str(error)) from None
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "chat@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Uploaded avatars: in STORAGES["default"], files under MEDIA_ROOT unless S3_BUCKET names an
# S3-compatible bucket (django-storages, installed apart: README "Production").
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
MEDIA_URL = os.environ.get("MEDIA_URL", "/media/")
# Whether this app serves MEDIA_URL from MEDIA_ROOT itself (always with nosniff); in
# production a proxy may do it instead (README "Production").
SERVE_MEDIA = env_bool("SERVE_MEDIA", DEBUG)
if os.environ.get("S3_BUCKET"):
    # How long a signed URL (an avatar's) stays good: short, as links get passed around.
    _expire = os.environ.get("S3_QUERYSTRING_EXPIRE", "300").strip() or "300"
    if not (_expire.isascii() and _expire.isdigit()) or int(_expire) < 1:
        raise ImproperlyConfigured(
            f"S3_QUERYSTRING_EXPIRE must be a number of seconds (1 or more), not {_expire!r}."
        )
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {  # type: ignore[dict-item]
            "bucket_name": os.environ["S3_BUCKET"],
            "endpoint_url": os.environ.get("S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("S3_REGION") or None,
            "custom_domain": os.environ.get("S3_CUSTOM_DOMAIN") or None,
            "querystring_auth": not os.environ.get("S3_CUSTOM_DOMAIN"),
            "querystring_expire": int(_expire),
            "file_overwrite": False,
            "object_parameters": {"CacheControl": "max-age=31536000, immutable"},
            # Attachments are read through the app (attachments/serving.py): past this, what
            # is read of an object goes to a temporary file, not memory (the default, 0,
            # keeps it all in memory).
            "max_memory_size": 1024 * 1024,
        },
    }
# Where avatars come from when not from this site (a bucket, a CDN): pages may show images
# from there (the policy's img-src), e.g. https://media.example.com.
if os.environ.get("MEDIA_ORIGIN"):
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"].append(os.environ["MEDIA_ORIGIN"])  # type: ignore[attr-defined]
# Per client address: following join links (guessing codes), signing up, asking for resets.
RATE_LIMITS.update(
    join=os.environ.get("RATE_LIMIT_JOIN", "20/minute"),
    signup=os.environ.get("RATE_LIMIT_SIGNUP", "10/hour"),
    password_reset=os.environ.get("RATE_LIMIT_PASSWORD_RESET", "5/hour"),
)
