"""The GTP server: any advgo agent as a GTP version 2 engine (``advgo gtp AGENT``).

| module | owns |
|---|---|
| ``protocol`` | the wire format: cleaning and splitting command lines, typed arguments, replies, standard errors |
| ``position`` | ``GtpGame``: the session's game, GTP's out-of-turn moves and moves after two passes, undo |
| ``server`` | ``GTPServer``: one ``cmd_<name>`` method per command and the ``serve(stdin, stdout)`` loop |
"""

from .position import GtpGame
from .protocol import GtpError
from .server import GTPServer

__all__ = ["GTPServer", "GtpError", "GtpGame"]
