"""Collected static files: the page's ES modules import each other by their hashed names."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from django.core.management import call_command

IMPORT = re.compile(r"""\bfrom\s+["'](\./[^"']+)["']""")


@pytest.fixture
def collected(settings, tmp_path: Path) -> Path:
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "chatsite.storage.StaticFilesStorage"},
    }
    call_command("collectstatic", interactive=False, verbosity=0)
    return tmp_path


def test_every_module_imports_the_hashed_names_of_its_neighbours(collected: Path) -> None:
    manifest = json.loads((collected / "staticfiles.json").read_text())["paths"]
    modules = [name for name in manifest if name.startswith("htmx/chat/")]
    assert "htmx/chat/main.js" in modules
    for module in modules:
        hashed = collected / manifest[module]
        imports = IMPORT.findall(hashed.read_text())
        for imported in imports:
            expected = manifest[f"htmx/chat/{imported.removeprefix('./').split('.')[0]}.js"]
            assert imported == "./" + Path(expected).name, (module, imported)
    main = (collected / manifest["htmx/chat/main.js"]).read_text()
    assert len(IMPORT.findall(main)) >= 5
