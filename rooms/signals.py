"""What other apps may follow of a message's life, sent once the change has committed.

Link previews (previews/) listen here, so rooms never imports the apps built on it.
"""

from django.dispatch import Signal

# Each sends `message`, a rooms.models.Message, with sender=Message.
message_posted = Signal()
message_edited = Signal()
message_deleted = Signal()
