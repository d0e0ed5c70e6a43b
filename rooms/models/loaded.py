"""Which relations of a model instance are already in memory, so that loading them can be
skipped rather than handed to `prefetch_related_objects`: that walks and builds querysets
even for relations it then finds cached or empty, which for a message just posted (all
known, nothing to read) cost more than rendering it (bench/README.md, run O)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import cast

from django.db import models


def missing(instance: models.Model, lookups: Iterable[str]) -> list[str]:
    """The prefetch `lookups` (such as "author__profile") not loaded for `instance`."""
    return [lookup for lookup in lookups if not _loaded(instance, lookup.split("__"))]


def _loaded(instance: models.Model | None, path: list[str]) -> bool:
    if instance is None or not path:
        return True
    name, rest = path[0], path[1:]
    field = instance._meta.get_field(name)
    if field.many_to_many or field.one_to_many:
        cached = getattr(instance, "_prefetched_objects_cache", {}).get(name)
        return (
            cached is not None
            and cached._result_cache is not None
            and all(_loaded(related, rest) for related in cached._result_cache)
        )
    if field.concrete and getattr(instance, cast(models.Field, field).attname) is None:
        # A foreign key to nothing.
        return True
    if not field.is_cached(instance):  # type: ignore[union-attr]
        return False
    return _loaded(field.get_cached_value(instance), rest)  # type: ignore[union-attr]
