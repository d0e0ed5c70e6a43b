"""Every change to the chat's state that others must hear of: each writes in a transaction
and schedules its broadcast on commit, so a rolled-back change sends nothing."""

from rooms.actions.membership import add_member, mark_read, open_direct, open_room, remove_member
from rooms.actions.messages import delete_message, edit_message, post_message, revise

__all__ = [
    "add_member",
    "delete_message",
    "edit_message",
    "mark_read",
    "open_direct",
    "open_room",
    "post_message",
    "remove_member",
    "revise",
]
