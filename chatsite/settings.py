"""Settings for the chat site, every deployment-specific value read from the environment.

See README.md, "Settings", for what each variable does.
"""

import os
from pathlib import Path

import dj_database_url
import redis.exceptions
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from chatsite import email_url

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG")

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("Set SECRET_KEY (or DEBUG=1 for local development).")
    SECRET_KEY = "django-insecure-development-only-key-never-use-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# HTTPS=1 once the site is served over TLS: cookies then never travel in clear, and plain
# HTTP is redirected. Behind a TLS proxy that sets X-Forwarded-Proto, also set
# TRUST_X_FORWARDED_PROTO=1 (never without such a proxy: clients could forge the header).
HTTPS = env_bool("HTTPS")
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = SECURE_SSL_REDIRECT = HTTPS
if env_bool("TRUST_X_FORWARDED_PROTO"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# HSTS makes browsers refuse plain HTTP for this long; raise it only once HTTPS works.
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD")

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "csp",
    "channels",
    "django_htmx",
    "template_partials",
    "accounts",
    "rooms",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "chatsite.urls"
ASGI_APPLICATION = "chatsite.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "builtins": ["template_partials.templatetags.partials"],
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "rooms.context_processors.live_protocol",
            ],
        },
    },
]

# SQLite serves several server processes at once: WAL lets readers proceed while one
# process writes, IMMEDIATE takes the write lock at BEGIN (no deadlock-prone lock
# upgrades), and the timeout makes a writer wait for the lock instead of failing.
SQLITE_OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
}
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = SQLITE_OPTIONS

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "")
# Each server process reads every group it serves on one layer channel (rooms/fanout.py):
# room, lobby and user events for all its sockets queue there, not a socket's share. A
# process this far behind closes its sockets (3012: they reconnect and catch up) rather
# than queue more: the pub/sub layer's in-process queue is bounded to it too
# (rooms/layer_adapter.py); the core layer drops what is over it, which the heartbeat sees.
FANOUT_CHANNEL_CAPACITY = int(os.environ.get("FANOUT_CHANNEL_CAPACITY", "10000"))
# How often each process checks, through the layer, that its groups still reach it. After
# three missed beats its sockets reconnect and catch up.
FANOUT_HEARTBEAT = float(os.environ.get("FANOUT_HEARTBEAT", "2"))
# Slow and hostile clients (rooms/outbox.py, rooms/limits.py, chatsite/connections.py).
# What may wait for one socket that reads slower than its room talks: past either bound it
# is closed with 3012, reconnects and catches up over HTTP. Frames are shared by every
# socket they go to, so a slow socket's own cost is the server's write buffer (64 KiB) plus
# its share of these. 512 KiB is some 200 of the largest messages: seconds of the busiest room.
FANOUT_SOCKET_MAX_FRAMES = int(os.environ.get("FANOUT_SOCKET_MAX_FRAMES", "256"))
FANOUT_SOCKET_MAX_BYTES = int(os.environ.get("FANOUT_SOCKET_MAX_BYTES", str(512 * 1024)))
# Seconds a closing socket has to read its close frame before its connection is dropped: a
# peer that never reads would otherwise hold it, and its buffers, for good.
SOCKET_CLOSE_GRACE = float(os.environ.get("SOCKET_CLOSE_GRACE", "2"))
# The kernel's send buffer for each websocket, in bytes (0: the kernel's own, which grows to
# 4 MiB for a peer that does not read, outside the process's memory and every bound above).
SOCKET_SEND_BUFFER = int(os.environ.get("SOCKET_SEND_BUFFER", str(64 * 1024)))
# Open sockets per person (tabs and devices) and per client address, in each server process;
# the next is refused with 4429. Behind a proxy the address is X-Forwarded-For's (uvicorn's
# --proxy-headers): without it every client shares the proxy's address and this one cap.
SOCKETS_PER_USER = int(os.environ.get("SOCKETS_PER_USER", "20"))
SOCKETS_PER_ADDRESS = int(os.environ.get("SOCKETS_PER_ADDRESS", "200"))
# Frames a page never sends that a socket may send before it is closed (4400).
SOCKET_MAX_UNEXPECTED_FRAMES = int(os.environ.get("SOCKET_MAX_UNEXPECTED_FRAMES", "10"))
# Seconds a client has to send a request's line and headers, a websocket's handshake
# included (chatsite.connections.HttpProtocol): then the connection is dropped.
REQUEST_HEADER_TIMEOUT = float(os.environ.get("REQUEST_HEADER_TIMEOUT", "10"))
# Redis connections one server process may hold. A socket that opens takes one for a moment
# (presence, rate limits; joining a group the process is not yet in), so a reconnect storm
# after a restart needs many at once: redis-py's default cap of 100 raises instead of
# waiting. Keep processes x this under Redis's own `maxclients` (10 000 by default).
REDIS_MAX_CONNECTIONS = int(os.environ.get("REDIS_MAX_CONNECTIONS", "1000"))
# Which channels-redis layer REDIS_URL uses. With one layer channel per server process
# (rooms/fanout.py), pub/sub is the faster: one PUBLISH per broadcast against about five
# commands a process for the core layer; 35 vs 40 us of server CPU per delivered frame,
# 39 900 vs 30 000 frames/s at p99 <= 250 ms (bench/README.md, run F). Its weakness, losing
# what is published while a connection is down, is the fan-out's to handle: it closes its
# sockets with 3012 on any reconnect, and they catch up. Every consumer test runs on both;
# CHANNEL_LAYER_BACKEND=channels_redis.core.RedisChannelLayer selects the core layer.
CHANNEL_LAYER_BACKEND = (
    os.environ.get("CHANNEL_LAYER_BACKEND") or "channels_redis.pubsub.RedisPubSubChannelLayer"
)
# channels-redis waits for messages with a blocking pop of up to 5 s, and redis-py 8 gives
# up on any read after 5 s by default: the two race (core layer), and a lost race fails the
# process's read, which closes its sockets (3012). Reads may take as long as the pop, and more.
REDIS_SOCKET_TIMEOUT = 15
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": CHANNEL_LAYER_BACKEND,
            "CONFIG": {
                "hosts": [
                    {
                        "address": REDIS_URL,
                        "max_connections": REDIS_MAX_CONNECTIONS,
                        "socket_timeout": REDIS_SOCKET_TIMEOUT,
                        # After Redis restarts each pooled connection fails once: reconnect
                        # and retry, rather than fail the socket or post that used it first.
                        "retry_on_error": [redis.exceptions.ConnectionError],
                    }
                ],
                "capacity": FANOUT_CHANNEL_CAPACITY,
            },
        }
    }
    if CHANNEL_LAYER_BACKEND == "channels_redis.core.RedisChannelLayer":
        # The core layer drops a channel from its groups this long after it joined
        # (a day by default): a page left open longer would stop receiving. Groups are
        # left on disconnect; only a crashed process leaves entries for this to clean.
        CHANNEL_LAYERS["default"]["CONFIG"]["group_expiry"] = 30 * 24 * 3600  # type: ignore[index]
else:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels.layers.InMemoryChannelLayer",
            "CONFIG": {"capacity": FANOUT_CHANNEL_CAPACITY},
        }
    }

# Content Security Policy (django-csp) on every response: scripts only from our own files,
# never inline or eval'd, so markup that slips into a page cannot run. The one inline
# <style> (the room page's per-viewer rule) carries the request's nonce.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, NONCE],
        "img-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# Largest request body Django reads: a 2000-character message takes at most 24 KiB
# form-encoded. Larger bodies are refused with 413 before anything is parsed or stored.
DATA_UPLOAD_MAX_MEMORY_SIZE = 64 * 1024
# Largest inbound websocket frame. Pages send only small control frames; daphne drops a
# connection that sends more. `runserver` reads this setting; daphne itself is started
# with --websocket-max-message-size 65536 (README, "Security and reliability").
DAPHNE_WEBSOCKET_MAX_MESSAGE_SIZE = 64 * 1024

# Rate limits, in the `limits` library's notation, each counted per user ("post",
# "typing"), per username ("login", failed attempts only) or per client address
# ("login_address"). chatsite/ratelimit.py applies them.
RATE_LIMITS = {
    "post": os.environ.get("RATE_LIMIT_POST", "5/5seconds"),
    "typing": os.environ.get("RATE_LIMIT_TYPING", "30/10seconds"),
    "login": os.environ.get("RATE_LIMIT_LOGIN", "5/minute"),
    "login_address": os.environ.get("RATE_LIMIT_LOGIN_ADDRESS", "30/minute"),
}
# Where the counts live: in Redis they hold across every server process.
RATE_LIMIT_STORAGE_URL = os.environ.get("RATE_LIMIT_STORAGE_URL", REDIS_URL or "memory://")

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "rooms:lobby"
LOGOUT_REDIRECT_URL = "login"

# The interface speaks English and Spanish: each page in its reader's language (the picker's
# choice, else the browser's Accept-Language), English when neither says.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("es", "Español")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        # Hashed names (far-future caching) need `collectstatic`; development serves
        # straight from the app folders instead.
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "chatsite.storage.StaticFilesStorage"
    },
}

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
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {  # type: ignore[dict-item]
            "bucket_name": os.environ["S3_BUCKET"],
            "endpoint_url": os.environ.get("S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("S3_REGION") or None,
            "custom_domain": os.environ.get("S3_CUSTOM_DOMAIN") or None,
            "querystring_auth": not os.environ.get("S3_CUSTOM_DOMAIN"),
            "file_overwrite": False,
            "object_parameters": {"CacheControl": "max-age=31536000, immutable"},
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

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "loggers": {
        "rooms": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
        "chatsite": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    },
}

# Longest message body, in characters after trimming.
MESSAGE_MAX_LENGTH = 2000
# Messages on the room page and in each page of history.
MESSAGE_PAGE_SIZE = 50
# Most messages one catch-up answer carries; the page asks again until it has them all.
CATCH_UP_LIMIT = 500
# Presence entries live this many seconds unless their process refreshes them (it does
# every PRESENCE_HEARTBEAT seconds), so a dead process's users vanish within a minute.
PRESENCE_TTL = 30
PRESENCE_HEARTBEAT = 10
# How long a socket's presence update may take before it is given up (and logged).
PRESENCE_TIMEOUT = 5
# At most one presence broadcast per room and process this often (rooms.presence.Coalescer).
PRESENCE_INTERVAL = 1.0
# Shortest gap between two "is typing" broadcasts from one socket.
TYPING_MIN_INTERVAL = 1.0
