"""Named constants of the rules engine: point values, rule codes, end reasons and status codes.

Kernels return the status codes below instead of raising; the public wrappers turn them into errors.

| name | value | meaning |
|---|---|---|
| ``EMPTY`` / ``BLACK`` / ``WHITE`` / ``WALL`` | 0 / 1 / -1 / 2 | contents of a padded board point |
| ``KO_SIMPLE`` / ``KO_POSITIONAL`` / ``KO_SITUATIONAL`` | 0 / 1 / 2 | ko rule |
| ``END_NONE`` / ``END_TWO_PASSES`` / ``END_MOVE_CAP`` | 0 / 1 / 2 | why a game ended |
| ``OK`` … ``HISTORY_FULL`` | 0 … 7 | result of checking or playing one move |
"""

EMPTY = 0
BLACK = 1
WHITE = -1
WALL = 2

KO_SIMPLE = 0
KO_POSITIONAL = 1
KO_SITUATIONAL = 2
KO_RULES = {"simple": KO_SIMPLE, "positional": KO_POSITIONAL, "situational": KO_SITUATIONAL}

END_NONE = 0
END_TWO_PASSES = 1
END_MOVE_CAP = 2
END_REASONS = {END_NONE: None, END_TWO_PASSES: "two_passes", END_MOVE_CAP: "move_cap"}

OK = 0
ILLEGAL_OCCUPIED = 1
ILLEGAL_SUICIDE = 2
ILLEGAL_KO = 3
ILLEGAL_SUPERKO = 4
ILLEGAL_GAME_OVER = 5
ILLEGAL_OUT_OF_RANGE = 6
HISTORY_FULL = 7
STATUS_NAMES = {
    OK: "ok",
    ILLEGAL_OCCUPIED: "occupied",
    ILLEGAL_SUICIDE: "suicide",
    ILLEGAL_KO: "ko",
    ILLEGAL_SUPERKO: "superko",
    ILLEGAL_GAME_OVER: "game_over",
    ILLEGAL_OUT_OF_RANGE: "out_of_range",
    HISTORY_FULL: "history_full",
}

NO_POINT = -1  # ko_point when no point is forbidden by simple ko
NO_CAP = -1  # max_moves when a game has no move cap

MIN_SIZE = 2
MAX_SIZE = 19
