"""SelfTrainingRoundHook argument checks (its schedule is the loop's, see
test_self_training_loop.py); the pseudo-label generator's flip TTA."""
from types import SimpleNamespace

import pytest
import torch

from emda.engine import predict_tasks
from emda.registry import HOOKS

SELECTOR = dict(type='ThresholdSelector', tau=0.9)
DATASET = dict(type='EMSliceDataset', img_path='images')


def test_bad_init_from_is_rejected():
    with pytest.raises(ValueError, match='init_from'):
        HOOKS.build(
            dict(
                type='SelfTrainingRoundHook',
                dataset=DATASET,
                selector=SELECTOR,
                init_from='newest'))


def test_the_dataset_and_the_selector_are_required():
    with pytest.raises(TypeError, match='selector'):
        HOOKS.build(dict(type='SelfTrainingRoundHook', dataset=DATASET))


def test_a_run_without_the_round_schedule_is_refused():
    """The schedule lives in SelfTrainingLoop: a stock loop fails before
    training, with the fix in the message."""
    from mmengine.runner import IterBasedTrainLoop
    hook = HOOKS.build(
        dict(type='SelfTrainingRoundHook', dataset=DATASET, selector=SELECTOR))
    loop = IterBasedTrainLoop.__new__(IterBasedTrainLoop)
    with pytest.raises(TypeError, match="type='SelfTrainingLoop'"):
        hook._loop(SimpleNamespace(train_loop=loop))


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


def test_a_stale_last_checkpoint_is_refused(tmp_path):
    """init_from='last' loads the checkpoint of the previous round's end; one
    saved earlier (checkpoint interval not at round ends) fails loudly with
    the fix instead of silently rewinding the model."""
    from mmengine.logging import MMLogger, MessageHub
    hook = HOOKS.build(
        dict(
            type='SelfTrainingRoundHook',
            dataset=DATASET,
            selector=SELECTOR,
            init_from='last'))
    model = torch.nn.Linear(2, 2)
    path = str(tmp_path / 'iter_3.pth')
    torch.save(dict(state_dict=model.state_dict(), meta=dict(iter=3)), path)
    hub = MessageHub.get_instance('stale_last_ckpt')
    hub.update_info('last_ckpt', path)
    runner = SimpleNamespace(
        model=model,
        iter=5,
        message_hub=hub,
        logger=MMLogger.get_instance('stale_last_ckpt'))
    with pytest.raises(RuntimeError, match='interval=round_iters'):
        hook._load_last(runner)
    runner.iter = 3  # saved at the round start: accepted
    hook._load_last(runner)
