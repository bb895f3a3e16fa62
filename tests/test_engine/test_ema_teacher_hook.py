"""EMATeacherHook: the EMA formula with its warm-up, buffer copies, and
an exact continuation after a state-dict round trip."""
import copy
import io
from types import SimpleNamespace

import pytest
import torch
import torch.nn as nn
from mmengine.logging import MessageHub

from emda.engine.hooks import EMATeacherHook
from emda.engine.hooks.ema_teacher_hook import ema_alpha
from emda.registry import HOOKS


class TinyPair(nn.Module):
    """A one-weight student with a BN buffer, its teacher and a step."""

    def __init__(self):
        super().__init__()
        self.segmentor = nn.Sequential(
            nn.Linear(1, 1, bias=False), nn.BatchNorm1d(1))
        self.teacher = copy.deepcopy(self.segmentor).requires_grad_(False)
        self.register_buffer('ema_step', torch.zeros((), dtype=torch.long))
        self.set_teacher(5.)

    def set_teacher(self, value):
        with torch.no_grad():
            self.teacher[0].weight.fill_(value)

    def set_student(self, value):
        with torch.no_grad():
            self.segmentor[0].weight.fill_(value)
            self.segmentor[1].running_mean.fill_(10 * value)

    def teacher_weight(self):
        return float(self.teacher[0].weight)


def test_alpha_ramp():
    assert [ema_alpha(t, 0.99)
            for t in range(3)] == pytest.approx([0., 0.5, 2. / 3.])
    assert ema_alpha(1000, 0.99) == 0.99


def test_update_matches_the_formula_and_copies_buffers():
    model = TinyPair()
    hook = HOOKS.build(dict(type='EMATeacherHook', alpha=0.6))
    # alpha_t = 0, 0.5, min(2/3, 0.6) = 0.6, 0.6
    expected = [1.0, 0.5 * 1.0 + 0.5 * 2.0, 0.6 * 1.5 + 0.4 * 4.0]
    expected.append(0.6 * expected[-1] + 0.4 * 8.0)
    for step, (student, teacher) in enumerate(zip([1., 2., 4., 8.], expected)):
        model.set_student(student)
        hook.update(model)
        assert model.teacher_weight() == pytest.approx(teacher)
        assert float(model.teacher[1].running_mean) == 10 * student
        assert int(model.ema_step) == step + 1
    assert model.teacher_weight() == pytest.approx(4.7)


def test_resume_from_a_state_dict_continues_exactly():
    hook = EMATeacherHook(alpha=0.9)
    uninterrupted = TinyPair()
    for value in (1., 3.):
        uninterrupted.set_student(value)
        hook.update(uninterrupted)
    buffer = io.BytesIO()
    torch.save(uninterrupted.state_dict(), buffer)
    buffer.seek(0)
    resumed = TinyPair()  # fresh: teacher 5, step 0
    resumed.load_state_dict(torch.load(buffer))
    assert int(resumed.ema_step) == 2

    for model in (uninterrupted, resumed):
        model.set_student(7.)
        alpha = hook.update(model)
    assert alpha == pytest.approx(2. / 3.)
    assert resumed.teacher_weight() == uninterrupted.teacher_weight()
    assert resumed.teacher_weight() == pytest.approx(2. / 3. * 2. + 7. / 3.)


def test_after_train_iter_updates_and_logs_alpha():
    model = TinyPair()
    hub = MessageHub.get_instance('test_ema_teacher_hook')
    runner = SimpleNamespace(model=model, message_hub=hub)
    hook = EMATeacherHook(alpha=0.99)
    hook.before_train(runner)
    hook.after_train_iter(runner, 0)
    hook.after_train_iter(runner, 1)
    assert int(model.ema_step) == 2
    assert hub.get_scalar('train/ema_alpha').current() == 0.5


def test_model_without_teacher_and_bad_alpha_are_named():
    runner = SimpleNamespace(model=nn.Linear(1, 1))
    with pytest.raises(AttributeError, match="'teacher'"):
        EMATeacherHook().before_train(runner)
    with pytest.raises(ValueError, match='alpha'):
        EMATeacherHook(alpha=1.0)
