"""Loaded by pytest before Django (`-p tests.environment` in pyproject.toml).

Tests run with production settings, DEBUG off, which refuse to start without a
SECRET_KEY; give them one that exists only here.
"""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production")
