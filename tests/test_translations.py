"""The Spanish catalog is complete, matches the code, and is compiled as committed.

These use GNU gettext's own tools (`make test` installs Debian's gettext), so the checks are
the ones `makemessages` and `compilemessages` make, not a re-implementation of them.
"""

from __future__ import annotations

import gettext
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parent.parent
CATALOG = PROJECT / "locale" / "es" / "LC_MESSAGES" / "django.po"
COMPILED = CATALOG.with_suffix(".mo")
# What `make messages` (and so makemessages) reads: the apps and the templates.
SOURCES = [
    "accounts",
    "api",
    "attachments",
    "bots",
    "chatsite",
    "digests",
    "notifications",
    "outbound",
    "previews",
    "push",
    "reactions",
    "rooms",
    "templates",
    "locale",
    "manage.py",
]


def gettext_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is missing: install GNU gettext (sudo apt-get install -y gettext)")
    return path


def entries(catalog: Path, *selection: str) -> str:
    """The catalog's entries that msgattrib selects (empty when none), header excluded."""
    result = subprocess.run(
        [gettext_tool("msgattrib"), *selection, "--no-obsolete", str(catalog)],
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


def test_every_entry_is_translated_and_none_is_fuzzy() -> None:
    assert entries(CATALOG, "--untranslated") == ""
    assert entries(CATALOG, "--only-fuzzy") == ""


def test_the_catalog_has_every_message_the_code_marks(tmp_path: Path) -> None:
    copy = tmp_path / "project"
    for name in SOURCES:
        source = PROJECT / name
        if source.is_dir():
            shutil.copytree(source, copy / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, copy / name)
    gettext_tool("xgettext")
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "--locale", "es", "--no-location"],
        cwd=copy,
        env={"PATH": "/usr/bin:/bin", "SECRET_KEY": "makemessages-only", "PYTHONPATH": ""},
        check=True,
        capture_output=True,
    )
    made = copy / CATALOG.relative_to(PROJECT)
    # A message the catalog lacks comes out of makemessages untranslated.
    assert entries(made, "--untranslated") == ""
    assert entries(made, "--only-fuzzy") == ""


def test_the_committed_translations_are_the_catalog_compiled(tmp_path: Path) -> None:
    compiled = tmp_path / "django.mo"
    subprocess.run(
        [gettext_tool("msgfmt"), "--check", "-o", str(compiled), str(CATALOG)], check=True
    )
    with compiled.open("rb") as fresh, COMPILED.open("rb") as committed:
        expected = gettext.GNUTranslations(fresh)
        actual = gettext.GNUTranslations(committed)
    assert actual._catalog == expected._catalog  # type: ignore[attr-defined]
    assert len(actual._catalog) > 90  # type: ignore[attr-defined]
