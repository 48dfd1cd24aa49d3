"""Training: self-play of victims and victim-play of adversaries, on one process or scaled out on Ray actors.

| module | what it owns |
|---|---|
| ``trainer`` | what every run shares: net, learner, replay buffer, checkpoints, resume, Ctrl-C, the loop |
| ``victim``, ``victim_config`` | ``advgo train victim``: AlphaZero-style self-play of a victim net; its config |
| ``adversary``, ``adversary_config`` | ``advgo train adversary``: victim-play up a curriculum of victims; its config |
| ``selfplay`` | batched self-play: many games stepped together, one batched search, samples from full searches |
| ``victimplay`` | an adversary against a frozen victim, many games at once; only the adversary's moves are learned |
| ``defence``, ``defence_config``, ``positions`` | ``advgo train victim --init --adversarial``: a victim continued on positions it lost |
| ``katago_defence`` | the same defence for KataGo's own net (``defence.init: katanet``): the defended net as a model file |
| ``victim_trainers`` | which of these trainers ``advgo train victim`` runs for a config |
| ``attack`` | an adversary run that stops once it beats its one victim (a round's attack in :mod:`advgo.iterate`) |
| ``replay`` | the replay buffer: a preallocated ring of training rows, sampled with random board symmetries |
| ``learner`` | one gradient step of a net (``PolicyValueNet``, ``KataGoTrainable``) on a replay batch, and its optimizer state |
| ``actors`` | scale-out: game-generating Ray actors feeding the learner in the main process |
| ``inference_server`` | a Ray actor per machine evaluating the positions of that machine's actors in merged batches |
"""
