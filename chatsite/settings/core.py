"""Django itself: security, apps, the request stack, templates, databases, the content
policy, limits, languages, static files and logging."""

import os
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from chatsite.settings.environment import BASE_DIR, env_bool, env_list

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
]  # and those of chatsite/settings/files.py

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
    # Each request runs all of these in one worker thread (chatsite/handler.py).
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
_conn_max_age = int(os.environ.get("CONN_MAX_AGE") or 0)
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}", conn_max_age=_conn_max_age
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Django's, with connections handed from one request to the next (chatsite/sqlite/).
    DATABASES["default"]["ENGINE"] = "chatsite.sqlite"
    DATABASES["default"]["OPTIONS"] = SQLITE_OPTIONS
elif (
    DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
    and _conn_max_age == 0
    and env_bool("DATABASE_POOL", default=True)
):
    # Under ASGI every request, and every socket's look-ups, run in a thread that may be new,
    # so a connection kept per thread (CONN_MAX_AGE) is never reused: each would connect and
    # log in again. psycopg's pool hands its connections from thread to thread instead.
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": 1,
        "max_size": int(os.environ.get("DATABASE_POOL_SIZE") or 10),
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"


REDIS_URL = os.environ.get("REDIS_URL", "")

# Content Security Policy (django-csp) on every response: scripts only from our own files,
# never inline or eval'd, so markup that slips into a page cannot run. The one inline
# <style> (the room page's per-viewer rule) carries the request's nonce.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, NONCE],
        # data: for the tab's icon with its unread badge, drawn by the page on a canvas
        # (static/htmx/chat/badge.js); messages' markup never holds an <img> of its own.
        "img-src": [SELF, "data:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# Largest request body Django reads, files aside: a MESSAGE_MAX_LENGTH (10 000) message of
# 4-byte characters takes 120 000 bytes URL-encoded (each byte as %XX), so 160 KiB fits it
# with room for the other fields. Larger bodies are refused with 413 before anything is parsed.
DATA_UPLOAD_MAX_MEMORY_SIZE = 160 * 1024
# Largest inbound websocket frame. Pages send only small control frames; daphne drops a
# connection that sends more. `runserver` reads this setting; daphne itself is started
# with --websocket-max-message-size 65536 (README, "Security and reliability").
DAPHNE_WEBSOCKET_MAX_MESSAGE_SIZE = 64 * 1024

# Rate limits, in the `limits` library's notation, each counted per user ("post",
# "typing"), per username ("login", failed attempts only) or per client address
# ("login_address"). chatsite/ratelimit.py applies them.
# "post" is a burst allowance with a sustained rate: "30/30seconds", a moving window, lets
# anyone send 30 messages at once, then one a second on average (never more than 30 in any
# 30 seconds). A refused post answers 429 with Retry-After; the page resends it by itself.
RATE_LIMITS = {
    "post": os.environ.get("RATE_LIMIT_POST", "30/30seconds"),
    "typing": os.environ.get("RATE_LIMIT_TYPING", "30/10seconds"),
    # Mention suggestions asked for as someone types "@al…"; over it the list is just empty.
    "mention": os.environ.get("RATE_LIMIT_MENTION", "60/10seconds"),
    "login": os.environ.get("RATE_LIMIT_LOGIN", "5/minute"),
    "login_address": os.environ.get("RATE_LIMIT_LOGIN_ADDRESS", "30/minute"),
}
# Where the counts live: in Redis they hold across every server process.
RATE_LIMIT_STORAGE_URL = os.environ.get("RATE_LIMIT_STORAGE_URL", REDIS_URL or "memory://")

# Django's database sessions, read with plain SQL (accounts/session_store.py).
SESSION_ENGINE = "accounts.session_store"
# Django's ModelBackend, reading the profile with the user (accounts/backends.py).
AUTHENTICATION_BACKENDS = ["accounts.backends.ProfileBackend"]
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
MESSAGE_MAX_LENGTH = int(os.environ.get("MESSAGE_MAX_LENGTH", "10000"))
# Messages on the room page and in each page of history.
MESSAGE_PAGE_SIZE = 50
# Most messages one catch-up answer carries; the page asks again until it has them all.
CATCH_UP_LIMIT = 500
