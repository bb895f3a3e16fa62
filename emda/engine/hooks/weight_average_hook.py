"""Uniform average of the weights validated at the round ends (SWA-style)."""
import os.path as osp
from typing import Dict, List, Mapping, Optional

import torch
from mmengine.dist import is_main_process
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper
from mmengine.runner.checkpoint import save_checkpoint, weights_to_cpu

from emda.registry import HOOKS


@torch.no_grad()
def accumulate_average_(average: Dict[str, torch.Tensor],
                        state: Mapping[str, torch.Tensor], count: int) -> None:
    """In place: ``average``, the uniform mean of ``count`` states, becomes
    the mean of those and ``state``. Floating entries are averaged; integer
    ones (BN's ``num_batches_tracked``) take ``state``'s value. ``count == 0``
    starts the average from a copy of ``state``."""
    if count and average.keys() != state.keys():
        raise ValueError('cannot average states with different keys: '
                         f'{sorted(average.keys() ^ state.keys())[:5]}')
    for key, value in state.items():
        value = value.detach().to('cpu', copy=True)
        if count == 0 or not value.is_floating_point():
            average[key] = value
        else:
            average[key] += (value.to(average[key].dtype) - average[key]) / (
                count + 1)


@HOOKS.register_module()
class WeightAverageHook(Hook):
    """Average, with equal weights, the model weights of every validation
    from ``begin_iter`` on, and save the average as ``filename`` in the work
    dir when training ends.

    A label-free alternative to keeping the final checkpoint: in the
    self-training rounds a validation ends every round, so this averages the
    round-end models (stochastic weight averaging over rounds, Izmailov et
    al. 2018), which smooths the round-to-round noise no target-free score
    can rank. The weights are read after the validation ran, before
    ``EMAHook`` swaps its parameters back (priority ``ABOVE_NORMAL``), so a
    mean-teacher config averages its teacher, the weights it validated and
    checkpoints. BN statistics are averaged like the parameters. The
    running average is saved in checkpoints, so a resumed run goes on with
    it; the file loads like any checkpoint (``tools/test.py``,
    ``emda-infer``).

    Args:
        begin_iter (int): First training iteration whose validation is
            averaged (e.g. the start of the last rounds at r = 1).
        filename (str): Name of the averaged checkpoint in the work dir.
    """

    priority = 'ABOVE_NORMAL'
    state_key = 'weight_average'

    def __init__(self,
                 begin_iter: int,
                 filename: str = 'weight_average.pth') -> None:
        if begin_iter < 0:
            raise ValueError(f'begin_iter must be >= 0, got {begin_iter}')
        self.begin_iter = int(begin_iter)
        self.filename = filename
        self.average: Dict[str, torch.Tensor] = {}
        self.iters: List[int] = []

    @staticmethod
    def _model(runner):
        model = runner.model
        return model.module if is_model_wrapper(model) else model

    def after_val_epoch(self,
                        runner,
                        metrics: Optional[Dict[str, float]] = None) -> None:
        """Add the validated weights of a training iteration >= begin_iter
        (once per iteration: a repeated validation adds nothing)."""
        iteration = runner.iter
        if iteration < self.begin_iter or iteration in self.iters:
            return
        accumulate_average_(self.average,
                            self._model(runner).state_dict(), len(self.iters))
        self.iters.append(iteration)

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        """Keep the running average in the checkpoint for a resume."""
        if self.iters:
            checkpoint[self.state_key] = dict(
                iters=list(self.iters), state_dict=dict(self.average))

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        """Go on with the average a resumed checkpoint holds."""
        saved = checkpoint.get(self.state_key)
        if saved:
            self.average = dict(saved['state_dict'])
            self.iters = list(saved['iters'])

    def after_train(self, runner) -> None:
        """Save the average as a checkpoint in the work dir."""
        if not self.iters:
            print_log(
                f'WeightAverageHook: no validation at or after iteration '
                f'{self.begin_iter}; nothing averaged, nothing saved',
                logger='current')
            return
        path = osp.join(runner.work_dir, self.filename)
        if is_main_process():
            save_checkpoint(
                dict(
                    meta=dict(averaged_iters=list(self.iters)),
                    state_dict=weights_to_cpu(self.average)), path)
        print_log(
            f'WeightAverageHook: saved the average of the weights validated '
            f'at iterations {self.iters} to {path}',
            logger='current')
