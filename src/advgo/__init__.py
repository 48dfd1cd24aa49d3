"""advgo: a research sandbox for adversarial policies in Go."""

from .errors import IllegalMoveError
from .game import GameState
from .rules import Rules

__version__ = "0.1.0"
__all__ = ["GameState", "IllegalMoveError", "Rules", "__version__"]
