"""The README's example: sb3-contrib's MaskablePPO trains against a zoo victim through ``advgo/GoVsAgent-v0``
(a few hundred steps: the wiring, not the learning). Skipped without the ``rl`` extra."""

from __future__ import annotations

import numpy as np
import pytest

sb3_contrib = pytest.importorskip("sb3_contrib", reason="sb3-contrib is not installed (pip install -e '.[rl]')")

import gymnasium  # noqa: E402

import advgo.env  # noqa: E402,F401


def test_maskable_ppo_trains_against_a_zoo_victim(tmp_path):
    from sb3_contrib.common.maskable.utils import get_action_masks

    env = gymnasium.make("advgo/GoVsAgent-v0", opponent="zoo:cp1", board_size=9)
    model = sb3_contrib.MaskablePPO("MultiInputPolicy", env, n_steps=128, batch_size=64, n_epochs=1, seed=0,
                                    device="cpu")
    model.learn(total_timesteps=256)
    assert model.num_timesteps >= 256
    masks = get_action_masks(model.get_env())
    assert masks.dtype == bool and masks.shape == (1, 82)
    obs = model.get_env().reset()
    for _ in range(20):  # a masked policy never picks an illegal move
        action, _ = model.predict(obs, action_masks=get_action_masks(model.get_env()), deterministic=False)
        assert get_action_masks(model.get_env())[0, int(action[0])]
        obs, _, _, _ = model.get_env().step(action)
    model.save(tmp_path / "ppo")
    assert (tmp_path / "ppo.zip").stat().st_size > 0
    assert np.isfinite(model.logger.name_to_value.get("train/loss", 0.0))
