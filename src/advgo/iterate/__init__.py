"""Iterated adversarial training (``advgo train iterate``): rounds of attack and defence, then the cross table.

| module | what it owns |
|---|---|
| ``config`` | ``IterateConfig``: rounds, the phases' shares of the budget, the nested adversary and defender runs |
| ``loop`` | ``IteratedTraining``: the plan of phases, their state file (resume mid-round), the victim chain |
| ``cross`` | the cross table of every adversary against every victim: JSON, TensorBoard scalars, a heatmap |

It sits above training and above ``advgo table`` (:mod:`advgo.eval.table`), whose machinery plays the cross table.
"""

from .config import IterateConfig
from .loop import IteratedTraining

__all__ = ["IterateConfig", "IteratedTraining"]
