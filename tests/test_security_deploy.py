"""Deployment settings: `check --deploy` passes with production's settings and fails without
each of them; no secret key, no start; HTTPS makes cookies secure and sends HSTS."""

from __future__ import annotations

import secrets
import subprocess
import sys

import pytest

from support.asgi import server_env
from support.processes import PROJECT_DIR

# Deployment settings -----------------------------------------------------------------------

PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "chat.example.com",
    "HTTPS": "1",
    "SECURE_HSTS_SECONDS": "31536000",
    "SECURE_HSTS_PRELOAD": "1",
}


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=PROJECT_DIR, env=server_env(**env), capture_output=True, text=True, check=False,
    )  # fmt: skip


def test_check_deploy_passes_with_production_settings():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize(
    ("change", "warning"),
    [
        ({"HTTPS": "0"}, "security.W012"),
        ({"SECURE_HSTS_SECONDS": "0"}, "security.W004"),
        ({"SECRET_KEY": "short"}, "security.W009"),
        ({"DEBUG": "1"}, "security.W018"),
    ],
)
def test_check_deploy_fails_without_each_production_setting(change, warning):
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", **{**PRODUCTION, **change})
    assert result.returncode != 0
    assert warning in result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    result = run_manage("check", **{**PRODUCTION, "SECRET_KEY": ""})
    assert result.returncode != 0
    assert "Set SECRET_KEY" in result.stderr


def test_https_settings_make_cookies_secure_and_send_hsts():
    code = (
        "from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT, "
        "s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SESSION_COOKIE_HTTPONLY)"
    )
    result = run_manage("shell", "-c", code, **PRODUCTION)
    printed = result.stdout.splitlines()[-1]
    assert printed.split() == ["True", "True", "True", "31536000", "True", "True"]
