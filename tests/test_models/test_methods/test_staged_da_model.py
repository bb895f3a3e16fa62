"""StagedDAModel: the stage interface the round hook drives, counters
advanced outside loss() and kept by checkpoints."""
import pytest
import torch
from mmengine.optim import OptimWrapper

from emda.models.methods import IPLCFCL, StagedDAModel, WDANet


class Recording(StagedDAModel):
    """Records the counters each loss() sees."""

    def __init__(self, segmentor):
        super().__init__(segmentor=segmentor)
        self.loss_weights = dict(
            pretrain=dict(src_seg=1.), stage1=dict(src_seg=.5), stage2={})
        self.seen = []
        self.changes = []

    def on_stage_change(self, previous, stage):
        self.changes.append((previous, stage))

    def loss(self, inputs, data_samples):
        self.seen.append((int(self.stage_step), int(self.step)))
        out = self.segmentor(inputs['source'], mode='tensor')
        return {'src.loss_seg': out.mean() * self.weights().get('src_seg', 0)}


def one_step(model, wrapper):
    """A training step, then what the round hook does after it."""
    data = dict(
        inputs=dict(source=torch.randn(1, 1, 16, 16)),
        data_samples=dict(source=[]))
    log_vars = model.train_step(data, wrapper)
    assert model.seen[-1] == (int(model.stage_step), int(model.step))
    model.advance_step()
    return log_vars


def test_counters_advance_after_the_step_and_reset_on_stage_change(
        tiny_model_parts):
    model = Recording(tiny_model_parts[0])
    model.train()
    wrapper = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1))
    for _ in range(2):
        one_step(model, wrapper)
    assert model.seen == [(0, 0), (1, 1)]  # loss sees the step's index
    assert int(model.step) == 2 and int(model.stage_step) == 2
    model.set_stage(1)
    assert int(model.stage_step) == 0 and int(model.step) == 2
    assert model.weights() == dict(src_seg=.5)
    one_step(model, wrapper)
    model.set_stage(1)  # same stage: the stage step keeps counting
    assert int(model.stage_step) == 1
    assert model.changes == [(0, 1), (1, 1)]
    with pytest.raises(ValueError, match='stage must be one of'):
        model.set_stage(3)


def test_stage_and_counters_survive_a_checkpoint_round_trip(
        tiny_model_parts, tmp_path):
    from mmengine.runner import load_checkpoint, save_checkpoint
    model = Recording(tiny_model_parts[0])
    model.set_stage(2)
    for _ in range(3):
        model.advance_step()
    path = str(tmp_path / 'ckpt.pth')
    save_checkpoint(dict(state_dict=model.state_dict()), path)
    fresh = Recording(tiny_model_parts[0])
    load_checkpoint(fresh, path, map_location='cpu', strict=True)
    assert (int(fresh.stage), int(fresh.stage_step), int(fresh.step)) == \
        (2, 3, 3)
    # a checkpoint written before both counters existed still loads
    state = model.state_dict()
    del state['stage_step']
    other = Recording(tiny_model_parts[0])
    other.load_state_dict(state, strict=True)
    assert int(other.stage) == 2 and int(other.step) == 3


def test_staged_methods_implement_the_interface():
    assert issubclass(IPLCFCL, StagedDAModel)
    assert issubclass(WDANet, StagedDAModel)
