"""Python's audit hooks (PEP 578) as a witness: every socket connect, DNS lookup, temporary
file or rename in this process raises an audit event, whoever makes it (urllib3, Django,
a library's C code), so recording them shows what code did and did not do without standing
in for any of it.

    from support.audit import recording

    with recording("socket.connect") as seen:
        ...  # outbound.get("http://10.0.0.1/") refused
    assert seen.of("socket.connect") == []

A hook cannot be removed once added: one is added to the process on first use, and it
records only while some `recording` block is open, only the events that block names, from
every thread. A socket's own object is left out of what is kept (it is not kept alive).
"""

from __future__ import annotations

import socket
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

Arguments = tuple[object, ...]


@dataclass
class Recording:
    events: frozenset[str]
    seen: list[tuple[str, Arguments]] = field(default_factory=list)

    def of(self, event: str) -> list[Arguments]:
        """The arguments of each `event` raised while recording, in order."""
        return [arguments for name, arguments in self.seen if name == event]


# The open recordings: replaced whole (never changed in place), so the hook, called from any
# thread, reads a consistent tuple without a lock.
_open: tuple[Recording, ...] = ()
_lock = threading.Lock()
_installed = False


def _hook(event: str, arguments: Arguments) -> None:
    for recording in _open:
        if event in recording.events:
            if arguments and isinstance(arguments[0], socket.socket):
                arguments = arguments[1:]
            recording.seen.append((event, arguments))


@contextmanager
def recording(*events: str) -> Iterator[Recording]:
    """Record the audit `events` (e.g. "socket.connect", "socket.getaddrinfo",
    "tempfile.mkstemp", "os.rename") raised anywhere in this process inside the block."""
    global _open, _installed
    if not events:
        raise ValueError("name the audit events to record")
    current = Recording(frozenset(events))
    with _lock:
        if not _installed:
            sys.addaudithook(_hook)
            _installed = True
        _open = (*_open, current)
    try:
        yield current
    finally:
        with _lock:
            _open = tuple(other for other in _open if other is not current)
