"""The chat's state and the questions asked of it; operations with side effects live in
rooms/actions/, so nothing here imports the live layer."""

from django.db import models
from django.db.models.functions import Lower

from rooms.models.history import Page
from rooms.models.membership import Membership
from rooms.models.message import Message
from rooms.models.room import Room

# username__lower__in=[...]: case-insensitive look-ups of many names in one query.
models.CharField.register_lookup(Lower)

__all__ = ["Membership", "Message", "Page", "Room"]
