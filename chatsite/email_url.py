"""EMAIL_URL: the outgoing mail server as one URL, read into Django's EMAIL_* settings.

- `smtp://user:password@host:port`: SMTP, plain (port 25 by default);
  `?tls=true` upgrades with STARTTLS, `?ssl=true` speaks TLS from the start;
- `submission://user:password@host` is SMTP on 587 with STARTTLS, `smtps://...` SMTP over
  TLS on 465; `?timeout=<seconds>` bounds each try (10 s by default);
- `console:` prints each email to the server's output, `file:///path` writes them there,
  `memory:` keeps them in memory (Django's locmem), `dummy:` drops them.

User and password are URL-encoded (`%40` for `@`). Written here rather than taken from
dj-email-url, whose last release is from 2022: the standard library's urlsplit does it all.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

SMTP = "django.core.mail.backends.smtp.EmailBackend"
BACKENDS = {
    "console": "django.core.mail.backends.console.EmailBackend",
    "file": "django.core.mail.backends.filebased.EmailBackend",
    "memory": "django.core.mail.backends.locmem.EmailBackend",
    "dummy": "django.core.mail.backends.dummy.EmailBackend",
}
# scheme: (default port, STARTTLS, TLS from the start)
SMTP_SCHEMES = {
    "smtp": (25, False, False),
    "submission": (587, True, False),
    "smtps": (465, False, True),
}
TRUE = {"1", "true", "yes", "on"}
DEFAULT_TIMEOUT = 10


class InvalidEmailUrl(ValueError):
    pass


def parse(url: str) -> dict[str, Any]:
    """The EMAIL_* settings `url` stands for; InvalidEmailUrl if it is none of the above."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme in BACKENDS:
        settings: dict[str, Any] = {"EMAIL_BACKEND": BACKENDS[scheme]}
        if scheme == "file":
            if not parts.path:
                raise InvalidEmailUrl("file: needs a folder, as in file:///var/mail/chat")
            settings["EMAIL_FILE_PATH"] = unquote(parts.path)
        return settings
    if scheme not in SMTP_SCHEMES:
        known = ", ".join([*SMTP_SCHEMES, *BACKENDS])
        raise InvalidEmailUrl(f"EMAIL_URL must start with one of {known}: got {scheme!r}")
    if not parts.hostname:
        raise InvalidEmailUrl("EMAIL_URL names no host, as in smtp://mail.example.com:587")
    port, starttls, ssl = SMTP_SCHEMES[scheme]
    options = {name: values[-1] for name, values in parse_qs(parts.query).items()}
    starttls = options.get("tls", str(starttls)).lower() in TRUE
    ssl = options.get("ssl", str(ssl)).lower() in TRUE
    if starttls and ssl:
        raise InvalidEmailUrl("EMAIL_URL: choose tls (STARTTLS) or ssl, not both")
    try:
        port = parts.port or port
        timeout = float(options.get("timeout", DEFAULT_TIMEOUT))
    except ValueError as error:
        raise InvalidEmailUrl(f"EMAIL_URL: {error}") from None
    return {
        "EMAIL_BACKEND": SMTP,
        "EMAIL_HOST": parts.hostname,
        "EMAIL_PORT": port,
        "EMAIL_HOST_USER": unquote(parts.username or ""),
        "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
        "EMAIL_USE_TLS": starttls,
        "EMAIL_USE_SSL": ssl,
        "EMAIL_TIMEOUT": timeout,
    }
