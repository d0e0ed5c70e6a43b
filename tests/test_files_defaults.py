"""Files' settings as a deployment gets them (issue 13): the defaults with nothing set, the
S3 storage a bucket's variables make, and the proxy body limit the README gives, which must
let the largest message with files through. Settings are read by a fresh Python process
from the environment given, as a server reads them."""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
import sys

import pytest

from attachments.uploads import max_request_bytes
from support.processes import PROJECT_DIR

READ = (
    "import django, json; django.setup(); from django.conf import settings as s; "
    "from attachments.uploads import max_request_bytes; print(json.dumps({}, default=repr))"
)
# Only what a process needs to start: no setting of the site's own but the secret key.
BARE = {"PATH": os.environ["PATH"], "SECRET_KEY": "settings-test-only"}
NGINX_SIZE = re.compile(r"client_max_body_size\s+(\d+)([kKmMgG]?)\b")
UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}


def run_settings(expression: str, **env: str) -> subprocess.CompletedProcess:
    environment = {**BARE, "DJANGO_SETTINGS_MODULE": "chatsite.settings", **env}
    return subprocess.run(
        [sys.executable, "-c", READ.format(expression)],
        cwd=PROJECT_DIR, env=environment, capture_output=True, text=True, check=False,
    )  # fmt: skip


def read_settings(expression: str, **env: str):
    completed = run_settings(expression, **env)
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout)


def test_the_defaults_with_nothing_set():
    found = read_settings(
        '{"max_bytes": s.ATTACHMENT_MAX_BYTES, "max_files": s.ATTACHMENT_MAX_FILES,'
        ' "memory": s.FILE_UPLOAD_MAX_MEMORY_SIZE, "request": max_request_bytes(),'
        ' "networks": s.OUTBOUND_ALLOWED_NETWORKS, "upload_rate": s.RATE_LIMITS["upload"],'
        ' "storage": s.STORAGES["default"]["BACKEND"],'
        ' "img_src": s.CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"]}'
    )
    assert found == {
        "max_bytes": 25 * 1024 * 1024,
        "max_files": 10,
        "memory": 256 * 1024,
        # Ten files of 25 MiB, each with its multipart head, and the form's text (160 KiB).
        "request": 10 * (25 * 1024 * 1024 + 16 * 1024) + 160 * 1024,
        "networks": [],
        "upload_rate": "200/hour",
        "storage": "django.core.files.storage.FileSystemStorage",
        "img_src": ["'self'", "data:"],
    }


S3 = '{"storage": s.STORAGES["default"]}'


def test_a_bucket_makes_a_private_s3_storage_with_short_signed_urls():
    # django-storages is not installed here: only the settings are read, never imported.
    storage = read_settings(S3, S3_BUCKET="chat-files", S3_REGION="eu-west-1")["storage"]
    assert storage["BACKEND"] == "storages.backends.s3.S3Storage"
    options = storage["OPTIONS"]
    assert (options["bucket_name"], options["region_name"]) == ("chat-files", "eu-west-1")
    assert (options["querystring_auth"], options["querystring_expire"]) == (True, 300)
    assert options["file_overwrite"] is False


def test_the_signed_urls_lifetime_is_a_setting_and_a_custom_domain_signs_none():
    storage = read_settings(S3, S3_BUCKET="b", S3_QUERYSTRING_EXPIRE="60")["storage"]
    assert storage["OPTIONS"]["querystring_expire"] == 60
    storage = read_settings(S3, S3_BUCKET="b", S3_QUERYSTRING_EXPIRE=" ")["storage"]
    assert storage["OPTIONS"]["querystring_expire"] == 300  # empty: the default
    storage = read_settings(S3, S3_BUCKET="b", S3_CUSTOM_DOMAIN="media.example.com")["storage"]
    assert storage["OPTIONS"]["querystring_auth"] is False


@pytest.mark.parametrize("value", ["0", "-5", "1.5", "five minutes", "\u00b2", "3e2"])
def test_a_malformed_lifetime_stops_the_process_with_a_clear_error(value):
    completed = run_settings(S3, S3_BUCKET="b", S3_QUERYSTRING_EXPIRE=value)
    assert completed.returncode != 0
    assert "ImproperlyConfigured: S3_QUERYSTRING_EXPIRE must be a number of seconds" in (
        completed.stderr
    )


def test_every_proxy_body_limit_in_the_readme_lets_the_largest_message_through():
    readme = (PROJECT_DIR / "README.md").read_text(encoding="utf-8")
    limits = [int(number) * UNITS[unit.lower()] for number, unit in NGINX_SIZE.findall(readme)]
    # "Files" and the "Production" server block, at least; avatars alone would need 3m.
    assert len(limits) >= 2
    needed = math.ceil(max_request_bytes() / 1024**2) * 1024**2
    assert needed == 251 * 1024**2
    assert [limit for limit in limits if limit < needed] == []
