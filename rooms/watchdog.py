"""Whether a process still hears its groups, told apart from a process that is only busy or
was stalled: the fan-out's heartbeat bookkeeping (rooms/fanout.py sends the beats)."""

from __future__ import annotations

from typing import Final

# Ticks in a row without a beat back, the process neither busy nor stalled, that mean the
# layer is lost.
MISSES: Final = 3


class Watchdog:
    """Every `interval` the process sends itself a numbered beat through its own group
    (`beat`), and checks what came back since the last tick (`tick`).

    The layer is taken for lost when a beat comes back out of turn (the layer dropped what
    was between: the core layer drops, silently, what is over a channel's capacity), or
    when none has come back for MISSES ticks in a row. A tick that is late means the loop
    itself stalled (a long synchronous call, SIGSTOP, a machine that slept): nothing could
    be read meanwhile, so the count starts afresh. A tick during which other events came in
    means the process is busy: the beat waits behind them, and closing every socket would
    only add the load of their reconnecting.
    """

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self.sent = 0  # the number of the last beat sent
        self.heard = 0  # ... and of the last come back
        self.misses = 0
        self.busy = False

    def beat(self) -> int:
        """The number of the next beat to send."""
        self.sent += 1
        return self.sent

    def heard_beat(self, number: int) -> str | None:
        """A beat came back: why the layer is lost, if it was not the next one."""
        expected, self.heard = self.heard + 1, max(self.heard, number)
        if number != expected:
            return f"heartbeat {number} arrived after {expected - 1}: the layer dropped events"
        return None

    def heard_other(self) -> None:
        self.busy = True

    def tick(self, slept: float) -> str | None:
        """`slept` seconds since the last tick: why the layer is lost, if it is."""
        busy, self.busy = self.busy, False
        if slept > 2 * self.interval or self.heard >= self.sent:
            self.misses = 0  # stalled, or all is well
        elif not busy:
            self.misses += 1
        if self.misses >= MISSES:
            return f"no heartbeat for {self.misses} intervals of {self.interval:g} s"
        return None
