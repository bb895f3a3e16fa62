"""SelfTrainingRoundHook schedule checks and round arithmetic; the
pseudo-label generator's flip TTA."""
import pytest
import torch

from emda.engine import predict_tasks
from emda.registry import HOOKS

ROUNDS = [
    dict(stage=1, iters=10, ratio=0.0, tau=0.9),
    dict(stage=1, iters=10, ratio=0.3, tau=0.9),
    dict(stage=2, iters=5, ratio=0.5, tau=0.8),
]


def test_round_boundaries_follow_pretraining_and_round_lengths():
    hook = HOOKS.build(
        dict(
            type='SelfTrainingRoundHook',
            rounds=ROUNDS,
            pretrain_iters=7,
            round_iters=None))
    assert hook.starts == [7, 17, 27]
    assert hook.total_iters == 32
    assert hook.round_at(0) is None and hook.round_at(6) is None
    assert [hook.round_at(i) for i in (7, 16, 17, 26, 27, 31)] == \
        [0, 0, 1, 1, 2, 2]


@pytest.mark.parametrize('rounds, match', [
    ([], 'at least one round'),
    ([dict(stage=3, iters=5)], 'stage must be 1 or 2'),
    ([dict(stage=1, iters=0)], 'iters must be >= 1'),
    ([dict(stage=1)], 'iters must be >= 1'),
    ([dict(stage=1, iters=5, r=0.3)], 'unknown keys'),
])
def test_bad_schedules_are_rejected(rounds, match):
    with pytest.raises(ValueError, match=match):
        HOOKS.build(
            dict(
                type='SelfTrainingRoundHook',
                rounds=rounds,
                pretrain_iters=0,
                round_iters=None))


def test_rounds_without_iters_last_round_iters():
    hook = HOOKS.build(
        dict(
            type='SelfTrainingRoundHook',
            rounds=[dict(stage=1, ratio=0.),
                    dict(stage=2, iters=3)],
            pretrain_iters=2,
            round_iters=5))
    assert hook.starts == [2, 7] and hook.total_iters == 10


def test_schedule_names_are_read_from_the_config():
    from types import SimpleNamespace

    from mmengine.config import Config
    hook = HOOKS.build(dict(type='SelfTrainingRoundHook'))
    cfg = Config(
        dict(
            rounds=[dict(stage=1), dict(stage=2, iters=4)],
            pretrain_iters=3,
            round_iters=6))
    runner = SimpleNamespace(cfg=cfg)
    hook.set_schedule(
        hook._from_config(runner, hook.rounds_cfg, 'rounds'),
        hook._from_config(runner, hook.pretrain_cfg, 'pretrain_iters'),
        hook._from_config(runner, hook.round_iters_cfg, 'round_iters'))
    assert hook.starts == [3, 9] and hook.total_iters == 13
    with pytest.raises(KeyError, match='no such variable'):
        hook._from_config(SimpleNamespace(cfg=Config()), 'rounds', 'rounds')


def test_bad_init_from_is_rejected():
    with pytest.raises(ValueError, match='init_from'):
        HOOKS.build(
            dict(
                type='SelfTrainingRoundHook', rounds=ROUNDS, init_from='last'))


class FlipSensitive(torch.nn.Module):
    """seg logits favour fg on the left half; the heatmap is the input."""

    def forward(self, x, mode='tensor'):
        left = torch.zeros_like(x)
        left[..., :x.shape[-1] // 2] = 4.
        return dict(seg=torch.cat([torch.zeros_like(x), left], 1), det=x)


def test_flip_tta_averages_in_the_original_frame():
    x = torch.arange(16.).reshape(1, 1, 4, 4)
    out = predict_tasks(FlipSensitive(), x, tta=True)
    # the heatmap equals the input: un-flipping restores it every time
    assert torch.allclose(out['heatmap'][0], x[0, 0])
    # the left-half preference is flipped with the input half of the time
    # (horizontal and both): fg probability is the same mean everywhere
    p = torch.sigmoid(torch.tensor(4.))
    assert torch.allclose(out['prob_fg'], (p + 0.5) / 2 * torch.ones(1, 4, 4))
    plain = predict_tasks(FlipSensitive(), x, tta=False)
    assert torch.allclose(plain['prob_fg'][0, :, 0], p * torch.ones(4))
