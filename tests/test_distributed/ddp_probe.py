"""Imported by the configs of the DDP tests (``custom_imports``).

- Every pseudo-label PNG, round ``done`` marker and saved prediction a
  process writes is appended as ``<rank> <path>`` to ``$EMDA_TEST_WRITES``,
  so a test can count the writes of each file.
- ``RankStateHook`` writes, after training, ``$EMDA_TEST_WRITES.rank<r>``:
  the world size, the current pseudo-label round and digests of the
  model's tensors, so a test can compare the ranks.
"""
import hashlib
import json
import os

from mmengine.dist import get_rank, get_world_size
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from emda.datasets import pseudo_label_store
from emda.engine.hooks import save_predictions_hook
from emda.registry import HOOKS


def _record(path: str) -> None:
    with open(os.environ['EMDA_TEST_WRITES'], 'a') as f:
        f.write(f'{get_rank()} {os.path.abspath(path)}\n')


def _recording(write):

    def recorded(path, *args):
        _record(path)
        return write(path, *args)

    return recorded


_mark = pseudo_label_store.PseudoLabelStore.mark_complete


def _mark_recorded(self, name):
    _record(os.path.join(self.round_dir(name), 'done'))
    _mark(self, name)


pseudo_label_store.write_png_atomic = _recording(
    pseudo_label_store.write_png_atomic)
save_predictions_hook.write_png_atomic = _recording(
    save_predictions_hook.write_png_atomic)
pseudo_label_store.PseudoLabelStore.mark_complete = _mark_recorded

#: per-rank BN statistics, averaged only before validation (SyncBuffersHook)
BN_STATS = ('running_mean', 'running_var', 'num_batches_tracked')


def _digests(runner, skip=()):
    model = runner.model.module if is_model_wrapper(
        runner.model) else runner.model
    return {
        k:
        hashlib.sha1(
            v.detach().cpu().contiguous().numpy().tobytes()).hexdigest()
        for k, v in model.state_dict().items() if not k.endswith(skip)
    }


@HOOKS.register_module()
class RankStateHook(Hook):
    """Dump what must be equal on every rank: after the last iteration
    (before the final validation syncs the BN statistics) the weights and
    every other buffer (prototype banks, stage, step), after training the
    whole state dict."""

    priority = 'LOWEST'

    def after_train_iter(self,
                         runner,
                         batch_idx,
                         data_batch=None,
                         outputs=None) -> None:
        if runner.iter + 1 == runner.max_iters:
            self.last_iter = _digests(runner, skip=BN_STATS)

    def after_train(self, runner) -> None:
        # the round this rank's train pipeline reads (the loop's explicit
        # call), None for runs without rounds
        round_dirs = {
            transform.round_dir
            for ds in getattr(runner.train_dataloader.dataset, 'domains',
                              {}).values()
            for transform in ds.pipeline.transforms
            if hasattr(transform, 'set_round_dir')
        }
        assert len(round_dirs) <= 1, round_dirs
        round_dir = round_dirs.pop() if round_dirs else None
        state = dict(
            world_size=get_world_size(),
            round=os.path.basename(round_dir) if round_dir else None,
            last_iter=self.last_iter,
            state_dict=_digests(runner))
        path = f'{os.environ["EMDA_TEST_WRITES"]}.rank{get_rank()}'
        with open(path, 'w') as f:
            json.dump(state, f)
