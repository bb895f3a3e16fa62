"""Uniform average of the weights checkpointed at the round ends (SWA)."""
import logging
import os.path as osp
from collections import OrderedDict
from typing import Dict, List, Mapping, Optional

import torch
from mmengine.dist import is_main_process
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.runner.checkpoint import save_checkpoint

from emda.registry import HOOKS


@torch.no_grad()
def accumulate_average_(average: Dict[str, torch.Tensor],
                        state: Mapping[str, torch.Tensor], count: int) -> None:
    """In place: ``average``, the uniform mean of ``count`` states, becomes
    the mean of those and ``state``. Floating entries are averaged; integer
    ones (BN's ``num_batches_tracked``) take ``state``'s value. ``count == 0``
    starts the average from a copy of ``state``. The average lives on the
    CPU."""
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
    """Average, with equal weights, the model weights of every checkpoint
    saved from ``begin_iter`` on, and save the average as ``filename`` in
    the work dir when training ends.

    A label-free alternative to keeping the final checkpoint: the
    self-training configs checkpoint every round end, so this averages the
    round-end models (stochastic weight averaging over rounds, Izmailov et
    al. 2018), which smooths the round-to-round noise that no target-free
    score can rank. It reads each checkpoint's ``state_dict`` after
    ``EMAHook`` put its averaged weights there (priority ``BELOW_NORMAL``),
    so a mean-teacher config averages its teacher: the weights it validates
    and deploys, and what ``tools/average_checkpoints.py`` averages from the
    kept files. BN statistics are averaged like the parameters. The running
    average, this checkpoint's included, goes into every checkpoint, so a
    resumed run goes on with it; the saved file loads like any checkpoint
    (``tools/test.py``, ``emda-infer``).

    Args:
        begin_iter (int): First training iteration whose checkpoint is
            averaged (e.g. the end of the first of the last rounds).
        filename (str): Name of the averaged checkpoint in the work dir.
    """

    priority = 'BELOW_NORMAL'
    state_key = 'weight_average'

    def __init__(self,
                 begin_iter: int,
                 filename: str = 'weight_average.pth') -> None:
        if begin_iter < 0:
            raise ValueError(f'begin_iter must be >= 0, got {begin_iter}')
        self.begin_iter = int(begin_iter)
        self.filename = filename
        self.average: Dict[str, torch.Tensor] = OrderedDict()
        self.iters: List[int] = []
        self.step = 0
        self.loaded: Optional[dict] = None

    def before_train(self, runner) -> None:
        """Start counting the training steps where the run (re)starts, and
        go on with the average of the checkpoint it resumed from (a run
        that only loaded weights, at iteration 0, starts a new one)."""
        self.step = runner.iter
        if self.loaded and runner.iter > 0:
            self.average = OrderedDict(self.loaded['state_dict'])
            self.iters = list(self.loaded['iters'])
        self.loaded = None

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch=None,
                         outputs=None) -> None:
        """Count the steps the weights have taken: a checkpoint saved from
        here (``CheckpointHook`` runs later) or after the validation that
        follows holds the weights of iteration ``step``."""
        self.step = runner.iter + 1

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        """Add the checkpoint's weights (once per iteration: a best
        checkpoint of the same iteration adds nothing) and keep the running
        average in it for a resume."""
        iteration = self.step
        if iteration >= self.begin_iter and iteration not in self.iters:
            accumulate_average_(self.average, checkpoint['state_dict'],
                                len(self.iters))
            self.iters.append(iteration)
        if self.iters:
            checkpoint[self.state_key] = dict(
                iters=list(self.iters), state_dict=OrderedDict(self.average))

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        """Keep the average a loaded checkpoint holds, for ``before_train``
        to take up if the run resumed (the iteration is set after this)."""
        self.loaded = checkpoint.get(self.state_key)

    def after_train(self, runner) -> None:
        """Save the average as a checkpoint in the work dir."""
        if not self.iters:
            print_log(
                f'WeightAverageHook: no checkpoint at or after iteration '
                f'{self.begin_iter}; nothing averaged, nothing saved',
                logger='current',
                level=logging.WARNING)
            return
        path = osp.join(runner.work_dir, self.filename)
        if is_main_process():
            save_checkpoint(
                dict(
                    meta=dict(averaged_iters=list(self.iters)),
                    state_dict=OrderedDict(self.average)), path)
        print_log(
            f'WeightAverageHook: saved the average of the weights '
            f'checkpointed at iterations {self.iters} to {path}',
            logger='current')
