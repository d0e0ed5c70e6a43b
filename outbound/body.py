"""Reading an answer within its limits: its media type, and a body of at most `max_bytes`
both as sent and once decompressed (a few KiB of gzip can inflate to gigabytes)."""

from __future__ import annotations

import re
import zlib
from collections.abc import Callable, Collection
from email.message import Message

from urllib3.response import BaseHTTPResponse

from outbound.errors import OutboundError

CHUNK = 16 * 1024
MEDIA_TYPE = re.compile(r"[a-z0-9!#$&^_.+-]+/[a-z0-9!#$&^_.+-]+")
# What an answer without a usable Content-Type is taken for (RFC 9110, 8.3).
UNKNOWN_TYPE = "application/octet-stream"
ENCODINGS = {"gzip": 16 + zlib.MAX_WBITS, "x-gzip": 16 + zlib.MAX_WBITS, "deflate": zlib.MAX_WBITS}
ACCEPT_ENCODING = "gzip, deflate"

Decoder = Callable[[bytes, int], bytes]


def media_type(header: str | None) -> tuple[str, str | None]:
    """The lowercased media type and charset of a Content-Type header."""
    if not header:
        return UNKNOWN_TYPE, None
    kind = header.partition(";")[0].strip().lower()
    message = Message()
    message["Content-Type"] = header
    charset = message.get_content_charset()
    return (kind if MEDIA_TYPE.fullmatch(kind) else UNKNOWN_TYPE), charset


def accepts(accept: Collection[str], kind: str) -> bool:
    """Whether `kind` is one of `accept` (an entry ending in "/" is a prefix); empty: any."""
    return not accept or any(
        kind.startswith(entry) if entry.endswith("/") else kind == entry
        for entry in (entry.lower() for entry in accept)
    )


def accept_header(accept: Collection[str]) -> str:
    return ", ".join(entry + "*" if entry.endswith("/") else entry for entry in accept) or "*/*"


def too_large(max_bytes: int) -> OutboundError:
    return OutboundError(f"response larger than {max_bytes} bytes")


def read_body(response: BaseHTTPResponse, max_bytes: int) -> bytes:
    """The body, decompressed, refused as soon as more than `max_bytes` arrive or inflate."""
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise too_large(max_bytes)
    decode = _decoder(response.headers.get("Content-Encoding", ""))
    parts: list[bytes] = []
    received = size = 0
    while chunk := response.read(min(CHUNK, max_bytes + 1 - received), decode_content=False):
        received += len(chunk)
        if received > max_bytes:
            raise too_large(max_bytes)
        data = decode(chunk, max_bytes + 1 - size)
        size += len(data)
        if size > max_bytes:
            raise too_large(max_bytes)
        parts.append(data)
    return b"".join(parts)


def _decoder(content_encoding: str) -> Decoder:
    encoding = content_encoding.strip().lower()
    if encoding in ("", "identity"):
        return lambda chunk, _room: chunk
    if encoding not in ENCODINGS:
        raise OutboundError(f"unsupported content encoding {content_encoding[:50]!r}")
    inflater = zlib.decompressobj(ENCODINGS[encoding])

    def decode(chunk: bytes, room: int) -> bytes:
        # At most `room` bytes come out; if that many do, the caller refuses the body, so
        # input left unconsumed (inflater.unconsumed_tail) is never needed.
        try:
            return inflater.decompress(chunk, room)
        except zlib.error as error:
            raise OutboundError(f"undecodable {encoding} body: {error}") from None

    return decode
