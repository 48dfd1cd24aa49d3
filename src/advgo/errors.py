"""Errors of the public API."""

ILLEGAL_REASONS = ("occupied", "suicide", "ko", "superko", "game_over", "out_of_range")


class IllegalMoveError(ValueError):
    """A move that the rules forbid; ``reason`` is one of ``ILLEGAL_REASONS``."""

    def __init__(self, action, reason: str, message: str | None = None):
        self.action = action
        self.reason = reason
        super().__init__(message or f"illegal move {action!r}: {reason}")
