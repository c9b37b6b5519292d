"""A tool call that blocks until its test lets it go: a timeout is seen by events, not by a clock."""

from __future__ import annotations

import threading

# How long a blocked call waits at most when its test never lets it go (a failed test, say).
HANG_BOUND_S = 60.0


class BlockingTool:
    """A tool function that blocks until ``release`` is set, then answers ``"late"``.

    ``entered`` is set when a call starts and ``returned`` just before it answers:
    a caller that got its answer, or its error, while ``returned`` is still clear
    gave up on a call that had not answered.
    """

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.release = threading.Event()
        self.returned = threading.Event()

    def __call__(self, *args: object, **kwargs: object) -> str:
        self.entered.set()
        self.release.wait(HANG_BOUND_S)
        self.returned.set()
        return "late"

    def finish(self) -> bool:
        """Let the blocked call go; whether it then answered (in its own thread)."""
        self.release.set()
        return self.returned.wait(HANG_BOUND_S)
