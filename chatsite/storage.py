"""Static files storage: WhiteNoise's compressed, hashed files, with the relative imports
of the page's JavaScript modules rewritten to their hashed names."""

from __future__ import annotations

from django.contrib.staticfiles.storage import ManifestStaticFilesStorage
from whitenoise.storage import CompressedManifestStaticFilesStorage

# Django's patterns for `import … from "./x.js"` and the like, applied to every *.js file.
# Private to Django: tests/test_static_files.py fails loudly if a release changes it.
_, _JS_MODULE_IMPORTS = ManifestStaticFilesStorage._js_module_import_aggregation_patterns  # type: ignore[attr-defined]


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    # `from "./merge.js"` in a hashed file must name merge.<hash>.js, or a browser holding
    # one version of a module mixes it with another. Only our own modules (static/htmx/chat/)
    # are rewritten: other apps' scripts are no modules, and the htmx ws extension's
    # `import("../htmx")` in a type comment would fail collectstatic as a missing file.
    support_js_module_import_aggregation = True
    # A module's hash depends on its imports' hashed names, so each level of a chain of
    # imports takes one pass: Django's 5 fail collectstatic as soon as a chain is deeper.
    max_post_process_passes = 20
    _js_module_import_aggregation_patterns = ("htmx/chat/*.js", _JS_MODULE_IMPORTS)
