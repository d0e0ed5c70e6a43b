"""A push service on loopback, as a browser's is to the site: it holds a device's
subscription (a P-256 key pair and a 16-byte auth secret, made fresh), takes the site's
pushes, and decrypts each (RFC 8291, aes128gcm, with http_ece) and checks its VAPID
signature (RFC 8292) on its own, without the site's code.

    with push_receiver() as receiver:            # on WEB_HOST, which the site may reach
        subscribe(..., receiver.subscription)    # the JSON of PushSubscription.toJSON()
        receiver.answers = [500, 201]            # what it answers, in turn (then 201)
        ...
        [push] = receiver.pushes()               # every push it took: payload, headers
        assert push.payload["body"] == "hello"
"""

from __future__ import annotations

import base64
import json
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import http_ece
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from support.http_sites import Exchange, HttpSite, Recorded, http_site

WEB_HOST = "127.0.0.2"  # support.site.WEB_HOST: the address sites under test may reach
PATH = "/push/device-1"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class Push:
    request: Recorded
    payload: dict[str, Any]  # the decrypted JSON
    claims: dict[str, Any]  # the VAPID JWT's, its signature verified
    vapid_key: str  # the public key that signed it (k=)


@dataclass
class PushReceiver:
    site: HttpSite
    path: str = PATH
    key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )
    auth: bytes = field(default_factory=lambda: secrets.token_bytes(16))
    answers: list[int] = field(default_factory=list)  # statuses to give, in turn; then 201
    retry_after: str = ""  # sent with 429 and 5xx answers when set

    @property
    def endpoint(self) -> str:
        return self.site.url(self.path)

    @property
    def subscription(self) -> dict[str, Any]:
        public = self.key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return {
            "endpoint": self.endpoint,
            "expirationTime": None,
            "keys": {"p256dh": b64url(public), "auth": b64url(self.auth)},
        }

    def requests(self) -> list[Recorded]:
        return [request for request in self.site.requests if request.path == self.path]

    def pushes(self) -> list[Push]:
        """Every push taken so far (answered 2xx), decrypted and verified."""
        return [self.open(request) for request in self.taken]

    def open(self, request: Recorded) -> Push:
        assert request.headers["content-encoding"] == "aes128gcm"
        assert int(request.headers["ttl"]) > 0
        assert request.headers["urgency"] in {"very-low", "low", "normal", "high"}
        plain = http_ece.decrypt(
            request.body, private_key=self.key, auth_secret=self.auth, version="aes128gcm"
        )
        claims, vapid_key = verify_vapid(request.headers["authorization"])
        assert claims["aud"] == self.site.url("").rstrip("/")
        return Push(request, json.loads(plain), claims, vapid_key)

    def __post_init__(self) -> None:
        self.taken: list[Recorded] = []
        self.site.routes[self.path] = self._answer

    def _answer(self, exchange: Exchange) -> None:
        status = self.answers.pop(0) if self.answers else 201
        headers = {"Content-Type": "text/plain"}
        if self.retry_after and (status == 429 or status >= 500):
            headers["Retry-After"] = self.retry_after
        if 200 <= status < 300:
            self.taken.append(exchange.request)
        exchange.reply(status, headers, b"")


def verify_vapid(authorization: str) -> tuple[dict[str, Any], str]:
    """The claims of a "vapid t=<JWT>, k=<key>" header, once its ES256 signature is checked
    with that key (else AssertionError or InvalidSignature)."""
    scheme, _, rest = authorization.partition(" ")
    assert scheme.lower() == "vapid", authorization
    parts = dict(item.strip().split("=", 1) for item in rest.split(","))
    token, key = parts["t"], parts["k"]
    header_part, claims_part, signature_part = token.split(".")
    assert json.loads(b64url_decode(header_part)) == {"typ": "JWT", "alg": "ES256"}
    signature = b64url_decode(signature_part)
    assert len(signature) == 64
    public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b64url_decode(key))
    public.verify(
        encode_dss_signature(int.from_bytes(signature[:32]), int.from_bytes(signature[32:])),
        f"{header_part}.{claims_part}".encode(),
        ec.ECDSA(hashes.SHA256()),
    )
    return json.loads(b64url_decode(claims_part)), key


@contextmanager
def push_receiver(host: str = WEB_HOST, path: str = PATH) -> Iterator[PushReceiver]:
    with http_site({}, host=host) as site:
        yield PushReceiver(site, path)
