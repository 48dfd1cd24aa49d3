"""Benchmarks behind ``advgo bench …`` (:mod:`advgo.cli_bench`): each module measures one thing and returns records;
:mod:`.tables` turns them into tables and :mod:`.report` writes them as JSON.

| module | measures |
|---|---|
| ``engine`` | uniform-random game throughput of our engine, beside the engines a user would pick |
| ``startup`` | cold vs warm start: what a fresh process pays before its first random game |
| ``net`` | ``PolicyValueNet`` inference: positions/s by batch size, device, precision and inference path |
| ``katanet`` | KataGo's net in process (``KataGoNet``) against KataGo's net over GTP (``KataGoPolicy``) |
| ``mcts`` | search throughput with a uniform fake evaluator, beside mctx |
| ``selfplay`` | self-play at a run config: games/hour, net evaluations/s, the share of time in the net |
| ``victimplay`` | victim-play per A-MCTS mode against self-play at the same visits and nets |
| ``match`` | what external victims cost per move; match throughput with 1 and 2 workers |
| ``env`` | env steps/s with random masked actions, beside PettingZoo's ``go_v5`` |
| ``actors`` | game generation with 1, 2, … Ray actors against the single-process loop |
| ``tables`` | every benchmark's rich tables, from its records |
| ``report`` | rich progress of a running benchmark, and the records' atomic JSON output |

Top layer, beside the CLI: it may import anything of ours; nothing of ours imports it but ``advgo.cli_bench``.
"""
