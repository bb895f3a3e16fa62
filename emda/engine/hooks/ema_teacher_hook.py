"""Exponential-moving-average teacher update (mean teacher, DACS)."""
from typing import Optional

import torch
import torch.nn as nn
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from emda.registry import HOOKS


def ema_alpha(step: int, alpha: float) -> float:
    """Momentum of update number ``step`` (0-based): ``min(1 - 1/(step+1),
    alpha)``. The first update copies the student, later ones average over
    the student's history until the ramp reaches ``alpha``."""
    return min(1. - 1. / (step + 1.), alpha)


@torch.no_grad()
def ema_update_(teacher: nn.Module, student: nn.Module, alpha: float) -> None:
    """In place: every teacher parameter becomes ``alpha * teacher + (1 -
    alpha) * student``; buffers (BN statistics) are copied."""
    t_params = dict(teacher.named_parameters())
    s_params = dict(student.named_parameters())
    if t_params.keys() != s_params.keys():
        raise ValueError('teacher and student parameters differ: '
                         f'{sorted(t_params.keys() ^ s_params.keys())[:5]}')
    for name, param in t_params.items():
        param.mul_(alpha).add_(s_params[name].detach(), alpha=1. - alpha)
    s_buffers = dict(student.named_buffers())
    for name, buf in teacher.named_buffers():
        buf.copy_(s_buffers[name])


@HOOKS.register_module()
class EMATeacherHook(Hook):
    """After every training iteration, move the model's teacher towards its
    student: ``teacher = alpha_t * teacher + (1 - alpha_t) * student`` with
    ``alpha_t = min(1 - 1/(t+1), alpha)`` (Tarvainen & Valpola 2017; DACS).

    The update count ``t`` lives in a buffer of the model, so it is saved
    in checkpoints and a resumed run continues the same ramp. Runs at
    ``NORMAL`` priority, before ``CheckpointHook``: a checkpoint of
    iteration ``i`` holds the teacher after ``i`` updates.

    Args:
        alpha (float): Final EMA momentum in [0, 1). Defaults to 0.99.
        teacher (str): Attribute of the model holding the teacher.
        student (str): Attribute holding the student.
        step (str): Name of the model's integer buffer counting updates.
    """

    priority = 'NORMAL'

    def __init__(self,
                 alpha: float = 0.99,
                 teacher: str = 'teacher',
                 student: str = 'segmentor',
                 step: str = 'ema_step') -> None:
        if not 0. <= alpha < 1.:
            raise ValueError(f'alpha must lie in [0, 1), got {alpha}')
        self.alpha = float(alpha)
        self.teacher = teacher
        self.student = student
        self.step = step

    def _parts(self, model):
        model = model.module if is_model_wrapper(model) else model
        missing = [
            name for name in (self.teacher, self.student, self.step)
            if not isinstance(
                getattr(model, name, None), (nn.Module, torch.Tensor))
        ]
        if missing:
            raise AttributeError(
                f'EMATeacherHook needs a model with attributes '
                f'{self.teacher!r} (teacher), {self.student!r} (student) and '
                f'a step buffer {self.step!r} (e.g. MeanTeacher); '
                f'{type(model).__name__} lacks {missing}')
        return (getattr(model, self.teacher), getattr(model, self.student),
                getattr(model, self.step))

    def before_train(self, runner) -> None:
        self._parts(runner.model)

    def update(self, model) -> float:
        """One EMA update of ``model``'s teacher; returns the alpha used."""
        teacher, student, step = self._parts(model)
        alpha = ema_alpha(int(step.item()), self.alpha)
        ema_update_(teacher, student, alpha)
        step.add_(1)
        return alpha

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch: Optional[dict] = None,
                         outputs: Optional[dict] = None) -> None:
        alpha = self.update(runner.model)
        runner.message_hub.update_scalar('train/ema_alpha', alpha)
