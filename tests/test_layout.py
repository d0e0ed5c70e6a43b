"""The layout's size rules (issue 9): small modules, so each feature is a new file."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parent.parent
# The project's own packages, as typed by mypy: one list, so a new app is never forgotten.
PYTHON_PACKAGES = tomllib.loads((PROJECT / "pyproject.toml").read_text())["tool"]["mypy"][
    "packages"
]
MAX_PYTHON_LINES = 250
MAX_JAVASCRIPT_LINES = 150


def line_count(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


def python_modules() -> list[Path]:
    return sorted(
        path
        for package in PYTHON_PACKAGES
        for path in (PROJECT / package).rglob("*.py")
        if "migrations" not in path.parts
    )


def javascript_modules() -> list[Path]:
    return sorted((PROJECT / "static").rglob("*.js"))


@pytest.mark.parametrize("path", python_modules(), ids=lambda path: str(path.relative_to(PROJECT)))
def test_python_modules_stay_small(path: Path) -> None:
    assert line_count(path) <= MAX_PYTHON_LINES


@pytest.mark.parametrize(
    "path", javascript_modules(), ids=lambda path: str(path.relative_to(PROJECT))
)
def test_javascript_modules_stay_small(path: Path) -> None:
    assert line_count(path) <= MAX_JAVASCRIPT_LINES


def test_the_layout_rules_see_the_code() -> None:
    # A rule over no files would pass whatever the code did.
    assert len(python_modules()) > 20
    assert javascript_modules()


def test_template_comments_are_one_line_or_comment_tags() -> None:
    # Django's {# #} ends at the line's end: one spread over two lines shows on the page.
    unclosed = [
        f"{path.relative_to(PROJECT)}:{number}"
        for path in sorted((PROJECT / "templates").rglob("*.html"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if "{#" in line and "#}" not in line.split("{#", 1)[1]
    ]
    assert unclosed == []
