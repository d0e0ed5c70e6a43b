"""The site's VAPID identity (RFC 8292): its key pair from the settings, the Authorization
header that signs each push for one push service, and new pairs for `manage.py webpush_keys`.

Keys travel as base64url: the public key as the uncompressed P-256 point (what the page gives
PushManager.subscribe as applicationServerKey), the private key as its raw 32 bytes."""

from __future__ import annotations

import base64
import functools
import logging
import re
import time
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from py_vapid import Vapid02, VapidException

logger = logging.getLogger(__name__)

BASE64URL = re.compile(r"[A-Za-z0-9_-]*={0,2}")
# How long a signature holds (RFC 8292 allows at most 24 hours).
SIGNATURE_LIFETIME = 12 * 60 * 60
PUSH_OFF = _(
    "Push notifications are off on this site: it has no VAPID keys "
    "(WEBPUSH_VAPID_PUBLIC_KEY and WEBPUSH_VAPID_PRIVATE_KEY)."
)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """base64url with or without padding; ValueError when it is not that."""
    if not BASE64URL.fullmatch(text):
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def public_key_text(key: ec.EllipticCurvePublicKey) -> str:
    return b64url(
        key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    )


def generate() -> tuple[str, str]:
    """A new (public, private) pair, in the settings' form."""
    key = ec.generate_private_key(ec.SECP256R1())
    return public_key_text(key.public_key()), b64url(
        key.private_numbers().private_value.to_bytes(32)
    )


@functools.cache
def _signer(private: str, public: str) -> Vapid02 | str:
    """The signer for this pair, or why the pair cannot sign (the reason, logged once)."""
    try:
        raw = b64url_decode(private)
        if len(raw) != 32:
            raise ValueError("the private key is not 32 bytes")
        signer = Vapid02.from_raw(private.encode())
    except (ValueError, VapidException) as error:
        reason = f"WEBPUSH_VAPID_PRIVATE_KEY is not a raw P-256 key in base64url: {error}"
    else:
        if public_key_text(signer.public_key) == public.rstrip("="):
            logger.info("Web push is on")
            return signer
        reason = "WEBPUSH_VAPID_PUBLIC_KEY is not the public half of WEBPUSH_VAPID_PRIVATE_KEY"
    logger.error("Web push is off: %s", reason)
    return reason


def signer() -> Vapid02 | None:
    """The site's signer, or None when push is off (no keys, or keys that do not work:
    either is said once in the log)."""
    private, public = settings.WEBPUSH_VAPID_PRIVATE_KEY, settings.WEBPUSH_VAPID_PUBLIC_KEY
    if not private or not public:
        _log_off()
        return None
    found = _signer(private, public)
    return found if isinstance(found, Vapid02) else None


def enabled() -> bool:
    return signer() is not None


@functools.cache
def _log_off() -> None:
    logger.info("Web push is off: no WEBPUSH_VAPID_PUBLIC_KEY and WEBPUSH_VAPID_PRIVATE_KEY")


def authorization(endpoint: str, vapid: Vapid02) -> str:
    """The Authorization header for a push to `endpoint`: "vapid t=<JWT>, k=<public key>",
    the JWT's audience that endpoint's origin."""
    parts = urlsplit(endpoint)
    claims = {
        "aud": f"{parts.scheme}://{parts.netloc}",
        "sub": settings.WEBPUSH_CONTACT,
        "exp": int(time.time()) + SIGNATURE_LIFETIME,
    }
    return vapid.sign(claims)["Authorization"]
