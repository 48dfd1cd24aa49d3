"""Errors of the public API."""

ILLEGAL_REASONS = ("occupied", "suicide", "ko", "superko", "game_over", "out_of_range")


class IllegalMoveError(ValueError):
    """A move that the rules forbid; ``reason`` is one of ``ILLEGAL_REASONS``. ``vertex`` (the move as GTP, ``C3``)
    and ``explanation`` (why, in words) are set when known, for messages to people that show no action id."""

    def __init__(self, action, reason: str, message: str | None = None, *, vertex: str | None = None,
                 explanation: str | None = None):
        self.action = action
        self.reason = reason
        self.vertex = vertex
        self.explanation = explanation
        super().__init__(message or f"illegal move {action!r}: {reason}")
