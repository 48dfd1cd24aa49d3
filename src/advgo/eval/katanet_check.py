"""Is :class:`advgo.nets.katago.KataGoNet` KataGo's net? A position corpus, the real engine as oracle, the metrics.

``build_corpus`` plays seeded games on each board size and samples positions from them (never a finished game):

| source | games |
|---|---|
| ``gnugo`` | GNU Go self-play (levels 0-10 on 9x9, 0-2 above), 0-4 random opening moves; 9x9 to two passes, larger |
| | boards cut at 150-250 moves (a whole 19x19 game takes GNU Go about a minute) |
| ``random`` | uniform over the legal moves, pass included |
| ``victim`` | zoo nets against each other at temperature (9x9: cp1..cp4, 1 and a few visits); cp1-19x19 vs random |

Tags from the position itself: ``ko`` (a ko or superko ban for the player to move), ``ladder`` (a ladder the
attacker must start: KataGo's features mark a laddered chain with two liberties, or a working ladder move; a stone
in atari that cannot escape is common and does not count), ``after_pass`` (the last move was a pass). The sample
gives each tag up to 10% of a size's positions first. Rules per game: Tromp-Taylor (60%), advgo's Chinese (20%),
simple ko without suicide, komi 6.5 (10%), situational superko with suicide, komi 7 (10%).

The oracle is ``kata-raw-nn 0`` of ``katago gtp`` (``clear_board``, rules, ``friendlyPassOk false``, komi, the
moves replayed), converted from white's side to the mover's. Metrics per position (``legal``: our legal moves):

| metric | definition | target |
|---|---|---|
| ``top1`` | argmax over legal actions (pass included) agree; a tie within 1e-6 in either policy agrees | >= 99% |
| ``kl`` | KL(katago ‖ ours) in nats over the N*N + 1 actions | <= 0.01 on >= 95% |
| ``dwin`` | \\|win probability difference\\| for the player to move | <= 0.02 on all |
| ``dlead`` | \\|score lead difference\\| in points (KataGo prints 3 decimals) | reported |
| ``downer`` | max over points of \\|ownership difference\\| | reported |

KataGo prints the policy with 6 decimals, the lead with 3: that rounding alone gives KL ~1e-6 on an early 19x19
board (hundreds of priors near 3e-6) and |dlead| up to 0.0005. Replaying the moves costs under 1% of KataGo's time
(``kata-raw-nn`` is the rest), so every position starts from ``clear_board``.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import math
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from itertools import zip_longest
from pathlib import Path
from typing import NamedTuple

import numpy as np
from rich import progress as rp

from .. import engine
from ..agents.gtp_client import EngineDied, GTPEngine, GTPError
from ..agents.katago import KataGoInstall
from ..agents.katago_policy import parse_raw_nn
from ..agents.players import RandomAgent
from ..coords import action_to_gtp, gtp_to_action
from ..errors import IllegalMoveError
from ..features.katago import encode_katago_state
from ..fileio import atomic_write
from ..game import GameState
from ..paths import gnugo_binary
from ..rules import Rules
from .arena import play_games

__all__ = ["RULESETS", "Answer", "KataGoOracle", "Position", "build_corpus", "compare", "parse_raw_full",
           "run_check", "summarize", "tag_position", "to_json"]

log = logging.getLogger(__name__)

TIE, KL_MAX, KL_SHARE, TOP1_MIN, DWIN_MAX = 1e-6, 0.01, 0.95, 0.99, 0.02
RULESETS = {"tromp-taylor": Rules.tromp_taylor(), "chinese": Rules.chinese(),
            "simple-ko": Rules(komi=6.5, ko="simple", suicide=False, name="custom"),
            "situational": Rules(komi=7.0, ko="situational", suicide=True, name="custom")}
RULE_WEIGHTS = (0.6, 0.2, 0.1, 0.1)
VICTIM_PAIRS = {9: [("cp1", 1, 1.0, "cp4", 1, 1.0), ("cp2", 8, 0.5, "cp3", 1, 1.0), ("cp3", 4, 0.7, "cp4", 4, 0.7)],
                19: [("cp1-19x19", 1, 1.0, "random", 1, 0.0)]}
TAGS = ("ko", "ladder", "after_pass")


@dataclasses.dataclass(frozen=True)
class Position:
    """One corpus position: the empty board of ``size`` with ``moves`` (action ids) played under ``rules``."""

    size: int
    ruleset: str
    """A key of ``RULESETS``."""
    moves: tuple[int, ...]
    source: str
    tags: tuple[str, ...]

    rules = property(lambda self: RULESETS[self.ruleset])
    categories = property(lambda self: (self.source, *self.tags))

    def state(self) -> GameState:
        return GameState.from_moves(self.size, self.rules, self.moves)


class Answer(NamedTuple):
    """A net's output for one position from the player to move's side."""

    priors: np.ndarray  # float64 [N*N + 1], pass last
    win: float
    lead: float
    ownership: np.ndarray  # float64 [N*N], +1: the player to move's


def tag_position(state: GameState) -> tuple[str, ...]:
    """The tags of a position (module docstring)."""
    n, tags = state.size, []
    empty_banned = np.flatnonzero((state.board.ravel() == 0) & ~state.legal_mask()[:n * n])
    if any(state.illegal_reason(int(a)) in ("ko", "superko") for a in empty_banned):
        tags.append("ko")
    spatial = encode_katago_state(state)[0]
    if (spatial[14] * spatial[4]).any() or spatial[17].any():  # laddered 2-liberty chain, or a working ladder move
        tags.append("ladder")
    if state.moves and state.moves[-1] == n * n:
        tags.append("after_pass")
    return tuple(tags)


# ------------------------------------------------------------------------------------------------ games
def _gnugo_games(size: int, count: int, rng: np.random.Generator) -> list[tuple[list[int], str]]:
    """``count`` GNU Go self-play games, split over two GNU Go processes (each plan drawn here, so seeded)."""
    if gnugo_binary() is None:
        log.warning("GNU Go is not installed (apt-get install gnugo): the corpus has no gnugo positions")
        return []
    plans = [(int(rng.integers(0, 11 if size <= 9 else 3)),
              3 * size * size if size <= 9 else int(rng.integers(150, 251)),
              int(rng.integers(0, 5)), int(rng.integers(1, 10**6)), _draw_rules(rng)) for _ in range(count)]
    with ThreadPoolExecutor(2) as pool:
        halves = list(pool.map(lambda part: _gnugo_play(size, part), (plans[0::2], plans[1::2])))
    return [game for pair in zip_longest(*halves) for game in pair if game is not None]


def _gnugo_play(size: int, plans: list[tuple]) -> list[tuple[list[int], str]]:
    argv = [gnugo_binary(), "--mode", "gtp", "--chinese-rules", "--positional-superko", "--capture-all-dead"]
    games = []
    with GTPEngine(argv, timeout=120) as gnu:
        for level, cap, opening, seed, ruleset in plans:
            for cmd in (f"boardsize {size}", "clear_board", "komi 7.5", f"level {level}", f"set_random_seed {seed}"):
                gnu.send(cmd)
            state, colour, rng = GameState.new(size, Rules.chinese()), "black", np.random.default_rng(seed)
            while not state.is_over and state.move_number < cap:
                if state.move_number < opening:
                    legal = state.legal_actions()
                    a = int(rng.choice(legal[legal != size * size]))
                    gnu.send(f"play {colour} {action_to_gtp(a, size)}")
                else:
                    reply = gnu.send(f"genmove {colour}").strip()
                    if reply.lower() == "resign":
                        break
                    a = gtp_to_action(reply, size)
                try:
                    state = state.play(a)
                except IllegalMoveError:
                    break
                colour = "white" if colour == "black" else "black"
            games.append((list(state.moves), ruleset))
    return games


def _random_games(size: int, count: int, rng: np.random.Generator) -> list[tuple[list[int], str]]:
    games = []
    for _ in range(count):
        ruleset = _draw_rules(rng)
        cap = 2 * size * size if size <= 9 else int(rng.integers(150, 251))
        state = GameState.new(size, RULESETS[ruleset])
        while not state.is_over and state.move_number < cap:
            state = state.play(int(rng.choice(state.legal_actions())))
        games.append((list(state.moves), ruleset))
    return games


def _victim_games(size: int, count: int, rng: np.random.Generator) -> list[tuple[list[int], str]]:
    """Zoo games, each pair's games batched under Tromp-Taylor; then rules drawn per game (Tromp-Taylor kept
    where the game is illegal under them: a multi-stone suicide)."""
    from ..victims import resolve_victim

    pairs = VICTIM_PAIRS.get(size, [])[:count]
    games: list[tuple[list[int], str]] = []
    for k, (a, va, ta, b, vb, tb) in enumerate(pairs):
        n, seed = count // len(pairs) + (k < count % len(pairs)), int(rng.integers(1 << 30))
        agents = [RandomAgent(seed=seed + i) if name == "random" else
                  resolve_victim(name, v).agent(RULESETS["tromp-taylor"], temperature=t, seed=seed + i)
                  for i, (name, v, t) in enumerate(((a, va, ta), (b, vb, tb)))]
        records = []
        play_games(agents[0], agents[1], size, RULESETS["tromp-taylor"], list(range(n)),
                   [i % 2 == 0 for i in range(n)], records.append,
                   max_moves=2 * size * size if size <= 9 else int(rng.integers(150, 251)))
        for record in sorted(records, key=lambda r: r.index):
            ruleset = _draw_rules(rng)
            try:
                GameState.from_moves(size, RULESETS[ruleset], record.moves)
            except IllegalMoveError:
                ruleset = "tromp-taylor"
            games.append((record.moves, ruleset))
    return games


def _draw_rules(rng: np.random.Generator) -> str:
    return str(rng.choice(list(RULESETS), p=RULE_WEIGHTS))


SOURCES = (("gnugo", _gnugo_games, 1), ("random", _random_games, 4), ("victim", _victim_games, 1))
"""(source, game player, games per corpus unit): random games cost nothing and are where most kos are."""


def build_corpus(positions: int, sizes=(9, 19), seed: int = 0) -> list[Position]:
    """``positions`` tagged positions (80% on the first size when there are two), seeded (module docstring)."""
    rng = np.random.default_rng(seed)
    shares = [1.0] if len(sizes) == 1 else [0.8] + [0.2 / (len(sizes) - 1)] * (len(sizes) - 1)
    counts = [round(positions * s) for s in shares]
    counts[0] += positions - sum(counts)
    corpus: list[Position] = []
    for size, want in zip(sizes, counts):
        if want <= 0:
            continue
        per_source = max(2, math.ceil(want / 25)) if size <= 9 else max(1, math.ceil(want / 30))
        pool: dict[tuple, Position] = {}
        played: list[list] = []
        for name, play, share in SOURCES:  # one after the other: torch's threads stall when GNU Go shares the cores
            start = time.monotonic()
            played.append(play(size, share * per_source, np.random.default_rng(rng.integers(1 << 62))))
            log.info("%dx%d: %d %s games in %.1f s", size, size, len(played[-1]), name, time.monotonic() - start)
        for (source, *_), games in zip(SOURCES, played):
            for moves, ruleset in games:
                state = GameState.new(size, RULESETS[ruleset])
                for k in range(len(moves) + 1):
                    key = (ruleset, tuple(moves[:k]))
                    if not state.is_over and key not in pool:
                        pool[key] = Position(size, ruleset, key[1], source, tag_position(state))
                    if k < len(moves):
                        state = state.play(moves[k])
        corpus += _sample(list(pool.values()), want, rng)
    return corpus


def _sample(pool: list[Position], want: int, rng: np.random.Generator) -> list[Position]:
    """Up to 10% of ``want`` for each tag first, then the sources in turn, at random within each."""
    order = [pool[i] for i in rng.permutation(len(pool))]
    chosen: dict[int, Position] = {}
    for tag in TAGS:
        for p in [p for p in order if tag in p.tags and id(p) not in chosen][:math.ceil(0.1 * want)]:
            chosen[id(p)] = p
    by_source = defaultdict(list)
    for p in (p for p in order if id(p) not in chosen):
        by_source[p.source].append(p)
    while len(chosen) < want and any(by_source.values()):
        for source in sorted(by_source):
            if by_source[source] and len(chosen) < want:
                p = by_source[source].pop()
                chosen[id(p)] = p
    return list(chosen.values())


# ------------------------------------------------------------------------------------------------ oracle
def parse_raw_full(text: str, size: int, to_play: int) -> Answer:
    """``kata-raw-nn 0``'s reply (white's side) as an :class:`Answer` for the player to move (``to_play``)."""
    raw = parse_raw_nn(text, size)
    lines = [line.split() for line in text.strip().splitlines()]
    lead = next(float(w[1]) for w in lines if len(w) == 2 and w[0] == "whiteLead")
    at = next(k for k, w in enumerate(lines) if w == ["whiteOwnership"])
    owner = np.array([[float(v) for v in row] for row in lines[at + 1:at + 1 + size]], np.float64).ravel()
    if owner.size != size * size:
        raise ValueError(f"kata-raw-nn: the ownership block is not {size} lines of {size} numbers")
    return from_white(raw.policy, raw.white_win, raw.white_loss, lead, owner, to_play)


def from_white(policy, white_win: float, white_loss: float, white_lead: float, white_owner, to_play: int) -> Answer:
    """Values printed from white's side -> the player to move's side (``to_play`` 1 black, -1 white)."""
    sign = 1.0 if to_play == engine.WHITE else -1.0
    return Answer(np.asarray(policy, np.float64), float(white_win if sign > 0 else white_loss),
                  float(sign * white_lead), sign * np.asarray(white_owner, np.float64))


class KataGoOracle:
    """One ``katago gtp`` process answering ``kata-raw-nn 0``; restarted once when it dies."""

    def __init__(self, install: KataGoInstall | None = None, model: str | None = None):
        self.install = install or KataGoInstall.at()
        self.install.check_installed()
        self.engine = GTPEngine(self.install.gtp_argv(model=model), name="katago", timeout=300, startup_timeout=300)
        self.size = 0
        self.replay_s = self.nn_s = 0.0

    def ask(self, position: Position) -> Answer:
        try:
            return self._ask(position)
        except EngineDied as exc:  # a second death is the caller's
            log.warning("%s; restarting katago", exc)
            self.engine.restart()
            self.size = 0
            return self._ask(position)

    def _ask(self, p: Position) -> Answer:
        send = self.engine.send
        if p.size != self.size:
            send(f"boardsize {p.size}")  # ~1.2 s: KataGo sets up its net for the size
            self.size = p.size
        start = time.monotonic()
        for cmd in ("clear_board", f"kata-set-rules {p.rules.katago()}", "kata-set-rule friendlyPassOk false",
                    f"komi {p.rules.komi:g}"):
            send(cmd)
        for k, a in enumerate(p.moves):
            send(f"play {'BW'[k % 2]} {action_to_gtp(a, p.size)}")
        middle = time.monotonic()
        text = send("kata-raw-nn 0")
        self.replay_s += middle - start
        self.nn_s += time.monotonic() - middle
        return parse_raw_full(text, p.size, engine.BLACK if len(p.moves) % 2 == 0 else engine.WHITE)

    def close(self) -> None:
        self.engine.close()


def ours(net, positions: list[Position]) -> list[Answer]:
    """``net.evaluate_full`` on ``positions``, batched by size and rules, in the corpus order."""
    groups = defaultdict(list)
    for i, p in enumerate(positions):
        groups[(p.size, p.ruleset)].append(i)
    answers: list[Answer | None] = [None] * len(positions)
    for (size, ruleset), idx in groups.items():
        states = [positions[i].state() for i in idx]
        boards = engine.new_boards(len(idx), size, max(s.move_number for s in states) + 2)
        for j, s in enumerate(states):
            engine.copy_game(s.engine_boards, 0, boards, j)
        net.set_rules(RULESETS[ruleset])
        out = net.evaluate_full(boards, len(idx), RULESETS[ruleset].komi)
        for j, i in enumerate(idx):
            answers[i] = Answer(out.priors[j].astype(np.float64), float(out.win[j]), float(out.lead[j]),
                                out.ownership[j].astype(np.float64))
    return answers


# ------------------------------------------------------------------------------------------------ metrics
def compare(ref: Answer, got: Answer, legal: np.ndarray) -> dict:
    """The metrics of one position (module docstring)."""
    p, q = ref.priors, got.priors
    kl = float(np.sum(np.where(p > 0, p * (np.log(np.maximum(p, 1e-300)) - np.log(np.maximum(q, 1e-12))), 0.0)))
    pm, qm = np.where(legal, p, -1.0), np.where(legal, q, -1.0)
    a, b = int(np.argmax(pm)), int(np.argmax(qm))
    top1 = a == b or pm[b] >= pm[a] - TIE or qm[a] >= qm[b] - TIE
    return {"top1": bool(top1), "kl": max(kl, 0.0), "dwin": abs(ref.win - got.win), "dlead": abs(ref.lead - got.lead),
            "downer": float(np.max(np.abs(ref.ownership - got.ownership))), "top_katago": a, "top_ours": b}


def _stats(rows: list[dict]) -> dict:
    kl, dwin = np.array([r["kl"] for r in rows]), np.array([r["dwin"] for r in rows])
    return {"count": len(rows), "top1": float(np.mean([r["top1"] for r in rows])), "kl_ok": float(np.mean(kl <= KL_MAX)),
            **{f"kl_p{q}": float(np.percentile(kl, q)) for q in (50, 95, 99)}, "kl_max": float(kl.max()),
            "dwin_p99": float(np.percentile(dwin, 99)), "dwin_max": float(dwin.max()),
            "dwin_over": int(np.sum(dwin > DWIN_MAX)), "dlead_max": max(r["dlead"] for r in rows),
            "downer_max": max(r["downer"] for r in rows)}


def summarize(rows: list[dict], timings: dict, config: dict, errors: list[dict]) -> dict:
    """The JSON report: overall stats, breakdowns, the 5 worst positions, timings, targets."""
    report = {"config": config, "overall": _stats(rows) if rows else {"count": 0}, "timings": timings,
              "errors": errors}
    for key, label in (("by_category", lambda r: r["categories"]), ("by_size", lambda r: [f"{r['size']}x{r['size']}"]),
                       ("by_rules", lambda r: [r["rules"]])):
        groups = defaultdict(list)
        for r in rows:
            for name in label(r):
                groups[name].append(r)
        report[key] = {name: _stats(g) for name, g in sorted(groups.items())}

    def badness(r):
        return max(r["kl"] / KL_MAX, r["dwin"] / DWIN_MAX) + (0 if r["top1"] else 1)
    report["worst"] = sorted(rows, key=badness, reverse=True)[:5]
    o = report["overall"]
    report["targets"] = {
        "top1 >= 99%": {"value": o.get("top1", 0.0), "passed": o.get("top1", 0.0) >= TOP1_MIN},
        "KL <= 0.01 on >= 95%": {"value": o.get("kl_ok", 0.0), "passed": o.get("kl_ok", 0.0) >= KL_SHARE},
        "|dwin| <= 0.02 on all": {"value": o.get("dwin_over", 0), "passed": bool(rows) and o["dwin_over"] == 0},
        "katago answered all": {"value": len(errors), "passed": not errors}}
    report["passed"] = all(bool(t["passed"]) for t in report["targets"].values())
    return report


def run_check(positions: int = 500, sizes=(9, 19), seed: int = 0, model: str | None = None,
              threads: int | None = None, progress: bool = True, install: KataGoInstall | None = None,
              dtype: str = "fp32", moves: int = 0) -> dict:
    """Build the corpus, ask KataGo and our net (in ``dtype``: ``fp32`` or ``bf16``), compare; the report of
    :func:`summarize`. ``moves``: also play ``katanet`` at 1 visit against KataGo's 1-visit ``genmove`` on that many
    corpus positions (:mod:`advgo.eval.katanet_moves`), reported under ``"moves"``."""
    import torch

    from ..nets.katago.net import KataGoNet

    install = install or KataGoInstall.at()
    install.check_installed()
    t0 = time.monotonic()
    corpus = build_corpus(positions, tuple(sizes), seed)
    corpus_s, oracle = time.monotonic() - t0, KataGoOracle(install, model)
    try:
        refs, errors, per_size = _ask_all(oracle, corpus, progress)
    finally:
        oracle.close()
    katago_s = time.monotonic() - t0 - corpus_s
    net = KataGoNet(model, threads=threads, dtype={"fp32": torch.float32, "bf16": torch.bfloat16}[dtype])
    for size in sorted({p.size for p in corpus}):  # warm up: buffers, torch's first call per shape
        ours(net, [next(p for p in corpus if p.size == size)])
    t2 = time.monotonic()
    got = ours(net, corpus)
    ours_s = time.monotonic() - t2
    rows = [{"index": i, **_describe(p), **compare(ref, mine, p.state().legal_mask())}
            for i, (p, ref, mine) in enumerate(zip(corpus, refs, got)) if ref is not None]
    timings = {"corpus_s": corpus_s, "katago_s": katago_s, "katago_pos_per_s": len(corpus) / max(katago_s, 1e-9),
               "katago_replay_s": oracle.replay_s, "katago_nn_s": oracle.nn_s,
               "katago_pos_per_s_by_size": {f"{n}x{n}": c / t for n, (c, t) in per_size.items()},
               "ours_s": ours_s, "ours_pos_per_s": len(corpus) / max(ours_s, 1e-9), "total_s": time.monotonic() - t0}
    config = {"positions": positions, "sizes": list(sizes), "seed": seed, "model": str(net.path), "threads": threads,
              "dtype": dtype, "moves": moves}
    report = summarize(rows, timings, config, errors)
    if moves:
        from .katanet_moves import compare_moves

        report["moves"] = compare_moves(corpus[:moves], model, install, progress)
    return report


def _ask_all(oracle: KataGoOracle, corpus: list[Position], progress: bool):
    """KataGo's answers (None where it refused), the refusals, and {size: [positions, seconds]}, with a progress bar."""
    refs: list[Answer | None] = []
    errors, per_size = [], defaultdict(lambda: [0, 0.0])
    columns = (rp.TextColumn("katago kata-raw-nn"), rp.BarColumn(), rp.MofNCompleteColumn(),
               rp.TextColumn("{task.fields[rate]}"), rp.TimeElapsedColumn(), rp.TextColumn("ETA"), rp.TimeRemainingColumn())
    start = time.monotonic()
    with rp.Progress(*columns, disable=not progress) as bar:
        task = bar.add_task("katago", total=len(corpus), rate="")
        for i, p in enumerate(corpus):
            before = time.monotonic()
            try:
                refs.append(oracle.ask(p))
            except (GTPError, EngineDied) as exc:
                refs.append(None)
                errors.append({"index": i, "error": str(exc), **_describe(p)})
            per_size[p.size][0] += 1
            per_size[p.size][1] += time.monotonic() - before
            bar.update(task, advance=1, rate=f"{(i + 1) / (time.monotonic() - start):.2f} pos/s")
    return refs, errors, dict(per_size)


def to_json(report: dict, path: str | Path) -> None:
    """Write ``report`` as indented JSON, atomically."""
    atomic_write(path, json.dumps(report, indent=1, default=float) + "\n")


def _describe(p: Position) -> dict:
    return {"size": p.size, "rules": p.ruleset, "katago_rules": p.rules.katago(), "komi": p.rules.komi,
            "source": p.source, "categories": list(p.categories), "moves": list(p.moves),
            "gtp": " ".join(f"{'BW'[k % 2]} {action_to_gtp(a, p.size)}" for k, a in enumerate(p.moves))}
