"""Terminal play and replay: ``advgo play`` (a person against any agent) and ``advgo show`` (step through an SGF).

| module | owns |
|---|---|
| ``board`` | the rich board (GNU Go's layout from :mod:`advgo.diagram`) and its status line |
| ``commands`` | what can be typed at each prompt, parsed into a ``Command`` or a one-line explanation |
| ``session`` | ``PlaySession``: the game, undo, hints, score, SGF; no I/O |
| ``play`` | the two prompt loops (console and line reader injected) |
"""

from .play import PlayOutcome, replay_states, run_play, run_show
from .session import PlaySession

__all__ = ["PlayOutcome", "PlaySession", "replay_states", "run_play", "run_show"]
