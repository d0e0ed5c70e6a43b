"""A real SMTP server (aiosmtpd) on a free loopback port, keeping every email it receives:
what the password-reset tests send their mail to, in-process (tests/) or from the e2e site's
server processes (through EMAIL_URL)."""

from __future__ import annotations

import email
import email.policy
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from email.message import EmailMessage

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from support.processes import LOOPBACK, free_port


class Mailbox:
    """What the server received, in order; tests wait on it, never sleep."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.changed = threading.Condition()

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.changed:
            self.messages.append(message)  # type: ignore[arg-type]
            self.changed.notify_all()
        return "250 Message accepted for delivery"

    def wait_for(
        self,
        condition: Callable[[EmailMessage], bool] = lambda _m: True,
        *,
        since: int = 0,
        timeout: float = 15,
    ) -> EmailMessage:
        """The first email, from the `since`-th received on (now or within `timeout` s), for
        which `condition` holds."""
        with self.changed:
            found = self.changed.wait_for(
                lambda: next((m for m in self.messages[since:] if condition(m)), None), timeout
            )
        if found is None:
            raise TimeoutError(f"no such email within {timeout} s; received {len(self.messages)}")
        return found

    def count(self) -> int:
        with self.changed:
            return len(self.messages)

    def to(self, address: str) -> list[EmailMessage]:
        with self.changed:
            return [m for m in self.messages if address in str(m["To"])]


class SmtpServer:
    def __init__(self) -> None:
        self.mailbox = Mailbox()
        self.port = free_port()
        self.controller = Controller(self.mailbox, hostname=LOOPBACK, port=self.port)

    @property
    def url(self) -> str:
        """The site's EMAIL_URL for this server (chatsite/email_url.py)."""
        return f"smtp://{LOOPBACK}:{self.port}"


def body_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    return part.get_content() if part is not None else ""


@contextmanager
def smtp_server() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.controller.start()  # returns once the server answers
    try:
        yield server
    finally:
        server.controller.stop()
