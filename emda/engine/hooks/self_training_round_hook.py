"""Round-based offline self-training in one run (METHOD_SPEC 7): optional
source pretraining, then rounds that each start by pseudo-labelling the whole
target set, grouped in stages with their own losses."""
import os
from typing import List, Optional, Sequence, Union

from mmengine.hooks import CheckpointHook, Hook
from mmengine.model import is_model_wrapper
from mmengine.runner import load_checkpoint

from emda.datasets.pseudo_label_store import (ENV_WORK_DIR, PseudoLabelStore,
                                              round_name)
from emda.models.methods.staged_da_model import StagedDAModel
from emda.registry import HOOKS
from emda.utils.distributed import run_on_main, wait_for_all
from ..pseudo_label_generator import PseudoLabelGenerator


@HOOKS.register_module()
class SelfTrainingRoundHook(Hook):
    """Drive stages and rounds from the iteration counter.

    Iterations ``[0, pretrain_iters)`` are stage 0 (source pretraining);
    round ``k`` then runs ``rounds[k]['iters']`` iterations in
    ``rounds[k]['stage']`` (1 or 2) with selection ratio ``ratio`` and pixel
    threshold ``tau``. At the first iteration of each round the hook

    1. loads the best checkpoint so far into the model (``init_from=
       'best'``, the paper's "each round starts from the global best"; the
       stage is set afterwards), or keeps the current weights
       (``'current'``);
    2. pseudo-labels every target slice with flip TTA and the selector and
       writes ``{work_dir}/pseudo_labels/round_XX`` (label, detection
       background, point instances, heatmap and overlay PNGs and a
       ``selection.csv`` with per-slice timings);
    3. points the training pipeline (``LoadPseudoLabels``) at that round and
       calls ``model.set_stage(stage)``.

    The model must be a :class:`StagedDAModel` (checked before the run).
    The round's ``ratio`` and ``tau`` are passed to every selector call;
    the selector itself is not changed.

    Resuming mid-round reuses the round's pseudo-labels when they are
    complete on disk (stage, prototype banks and weights come from the
    checkpoint), so training continues with the same targets. Batches the
    dataloader workers prefetched before a round switch still carry the
    previous round's maps (a few iterations).

    The schedule arguments take values or, by default, the names of
    top-level config variables (``rounds``, ``pretrain_iters``,
    ``round_iters``, ``target_pseudo_source``), so a derived config changes
    them by redefining the variable and the hook entry stays one line.

    Args:
        rounds (list[dict] | str): ``dict(stage, iters, ratio, tau)`` per
            round (``iters`` defaults to ``round_iters``).
        dataset (dict | str): Target slices to pseudo-label (see
            :class:`PseudoLabelGenerator`), or the name of a top-level
            config variable holding them (default
            ``'target_pseudo_source'``, defined by every pair base), so that
            derived configs change it by merging that variable.
        selector (dict, optional): ``TASK_UTILS`` selector config; None
            (default) uses the method's own ``model.selector``, so one
            ``model=dict(selector=...)`` line swaps it.
        pretrain_iters (int | str): Stage-0 iterations before the first
            round.
        round_iters (int | str, optional): Length of rounds without
            ``iters``.
        init_from (str): ``'best'`` or ``'current'``.
        select_by (str, optional): The metric whose best checkpoint a round
            starts from, one of ``CheckpointHook``'s ``save_best`` keys
            (e.g. ``'label_free/score'`` of :class:`LabelFreeSelectionHook`,
            selection without target labels). None (default): the
            ``CheckpointHook``'s only ``save_best`` key.
        tta (bool): Flip TTA for pseudo-labelling. Default: True.
        root (str): Pseudo-label root. Default: ``'{work_dir}/pseudo_labels'``.
    """

    priority = 'ABOVE_NORMAL'
    INIT_FROM = ('best', 'current')

    def __init__(self,
                 rounds: Union[Sequence[dict], str] = 'rounds',
                 dataset: Union[dict, str] = 'target_pseudo_source',
                 selector: Optional[dict] = None,
                 pretrain_iters: Union[int, str] = 'pretrain_iters',
                 round_iters: Union[int, str, None] = 'round_iters',
                 init_from: str = 'best',
                 select_by: Optional[str] = None,
                 tta: bool = True,
                 root: str = '{work_dir}/pseudo_labels'):
        if init_from not in self.INIT_FROM:
            raise ValueError(f'init_from must be one of {self.INIT_FROM}, '
                             f'got {init_from!r}')
        self.rounds_cfg = rounds
        self.pretrain_cfg = pretrain_iters
        self.round_iters_cfg = round_iters
        self.dataset_cfg = dataset
        self.selector_cfg = selector
        self.init_from = init_from
        self.select_by = select_by
        self.tta = tta
        self.root = root
        self.rounds: List[dict] = []
        self.starts: List[int] = []
        self.generator: Optional[PseudoLabelGenerator] = None
        self.summaries: List[dict] = []
        if not any(
                isinstance(v, str)
                for v in (rounds, pretrain_iters, round_iters)):
            self.set_schedule(rounds, pretrain_iters, round_iters)

    def set_schedule(self,
                     rounds: Sequence[dict],
                     pretrain_iters: int,
                     round_iters: Optional[int] = None) -> None:
        """Check the schedule and compute the round boundaries; a round
        without ``iters`` lasts ``round_iters``."""
        if int(pretrain_iters) < 0:
            raise ValueError(f'pretrain_iters must be >= 0, got '
                             f'{pretrain_iters}')
        self.rounds = [
            self._check_round(i, r, round_iters) for i, r in enumerate(rounds)
        ]
        if not self.rounds:
            raise ValueError('rounds must list at least one round')
        self.pretrain_iters = int(pretrain_iters)
        self.starts = []
        start = self.pretrain_iters
        for r in self.rounds:
            self.starts.append(start)
            start += r['iters']
        self.total_iters = start

    @staticmethod
    def _check_round(index: int, cfg: dict,
                     round_iters: Optional[int]) -> dict:
        cfg = dict(cfg)
        unknown = set(cfg) - {'stage', 'iters', 'ratio', 'tau'}
        if unknown:
            raise ValueError(f'round {index + 1}: unknown keys {unknown}')
        if cfg.get('stage') not in (1, 2):
            raise ValueError(f'round {index + 1}: stage must be 1 or 2, got '
                             f'{cfg.get("stage")!r}')
        cfg.setdefault('iters', round_iters)
        if cfg['iters'] is None or int(cfg['iters']) < 1:
            raise ValueError(f'round {index + 1}: iters must be >= 1 (or '
                             'give round_iters)')
        cfg['iters'] = int(cfg['iters'])
        cfg.setdefault('ratio', None)
        cfg.setdefault('tau', None)
        return cfg

    @staticmethod
    def _from_config(runner, value, name: str, required: bool = True):
        """``value``, or the config variable it names."""
        if not isinstance(value, str):
            return value
        if value not in runner.cfg:
            if not required:
                return None
            raise KeyError(f'SelfTrainingRoundHook({name}={value!r}): no such '
                           'variable in the config; define it (see '
                           'configs/_base_/schedules/ipl_cfcl_cpu.py) or pass '
                           'the value')
        return runner.cfg[value]

    # ------------------------------------------------------------ helpers
    def round_at(self, iteration: int) -> Optional[int]:
        """Index of the round that contains ``iteration`` (None in
        pretraining)."""
        index = None
        for i, start in enumerate(self.starts):
            if iteration >= start:
                index = i
        return index

    @staticmethod
    def _model(runner):
        model = runner.model
        return model.module if is_model_wrapper(model) else model

    def _staged_model(self, runner) -> StagedDAModel:
        """The runner's model, which must implement the staged
        interface."""
        model = self._model(runner)
        if not isinstance(model, StagedDAModel):
            raise TypeError(f'SelfTrainingRoundHook drives staged methods '
                            f'(subclasses of StagedDAModel, e.g. IPLCFCL, '
                            f'WDANet); {type(model).__name__} is not one')
        return model

    def _set_stage(self, runner, stage: int) -> None:
        self._staged_model(runner).set_stage(stage)

    def _best_ckpt_key(self, runner) -> str:
        """The message-hub key under which ``CheckpointHook`` keeps the best
        checkpoint by ``select_by``."""
        keys = [
            key for hook in runner.hooks if isinstance(hook, CheckpointHook)
            for key in (hook.save_best or [])
        ]
        if self.select_by is None:
            if len(keys) > 1:
                raise ValueError(f'CheckpointHook saves the best by {keys}: '
                                 'set SelfTrainingRoundHook(select_by=...)')
            return 'best_ckpt'
        if self.select_by not in keys:
            raise ValueError(f'SelfTrainingRoundHook(select_by='
                             f'{self.select_by!r}) is not among '
                             f'CheckpointHook(save_best={keys})')
        return 'best_ckpt' if len(keys) == 1 else f'best_ckpt_{self.select_by}'

    def before_run(self, runner) -> None:
        self._staged_model(runner)  # a method without stages fails now
        if self.init_from == 'best':
            self._best_ckpt_key(runner)  # a wrong select_by fails now

    def _load_best(self, runner) -> None:
        path = runner.message_hub.get_info(self._best_ckpt_key(runner))
        if not path or not os.path.isfile(path):
            runner.logger.info('no best checkpoint yet: the round starts '
                               'from the current weights')
            return
        load_checkpoint(
            self._model(runner),
            path,
            map_location='cpu',
            strict=True,
            logger=runner.logger)
        runner.logger.info(f'round starts from the best checkpoint {path}')

    def _generate(self, runner, index: int) -> None:
        """Pseudo-label the round on rank 0; every rank gets its summary
        once the files (and the ``done`` marker) are on disk."""
        cfg = self.rounds[index]
        name = round_name(index + 1)
        self._set_stage(runner, cfg['stage'])
        summary = run_on_main(lambda: self.generator.run(
            runner.model,
            name,
            ratio=cfg['ratio'],
            tau=cfg['tau'],
            logger=runner.logger))
        self.summaries.append(summary)
        for key in ('fg_fraction', 'ignore_fraction', 'select_s_per_slice'):
            runner.message_hub.update_scalar(f'train/pl.{key}', summary[key])

    def _enter(self, runner, index: int, fresh: bool) -> None:
        """Make round ``index`` current: regenerate unless resuming onto a
        complete round. Under DDP rank 0 decides, loads and writes; the
        others wait and load the same checkpoint, so every rank leaves with
        the same weights, stage and round."""
        store = PseudoLabelStore(self.root)
        name = round_name(index + 1)
        if fresh or not run_on_main(lambda: store.is_complete(name)):
            if fresh and self.init_from == 'best':
                wait_for_all()  # rank 0 has finished writing the best one
                self._load_best(runner)
            self._generate(runner, index)
        else:
            runner.logger.info(f'resuming {name}: its pseudo-labels are '
                               'complete on disk and are reused')
        run_on_main(lambda: store.set_current(name))
        self._set_stage(runner, self.rounds[index]['stage'])

    # -------------------------------------------------------------- hooks
    def before_train(self, runner) -> None:
        self.set_schedule(
            self._from_config(runner, self.rounds_cfg, 'rounds'),
            self._from_config(runner, self.pretrain_cfg, 'pretrain_iters'),
            self._from_config(
                runner, self.round_iters_cfg, 'round_iters', required=False))
        max_iters = runner.train_loop.max_iters
        if max_iters != self.total_iters:
            raise ValueError(
                f'train_cfg.max_iters={max_iters} but pretrain_iters + the '
                f'rounds\' iters = {self.total_iters}; make them agree')
        work_dir = os.path.abspath(runner.work_dir)
        exported = os.environ.get(ENV_WORK_DIR)
        if exported is None:
            os.environ[ENV_WORK_DIR] = work_dir
            if runner.train_dataloader.num_workers > 0:
                raise RuntimeError(
                    f'dataloader workers started without ${ENV_WORK_DIR}: '
                    'train through tools/train.py, or export it to the '
                    'work_dir before building the runner')
        elif os.path.abspath(exported) != work_dir:
            raise RuntimeError(f'${ENV_WORK_DIR}={exported} differs from the '
                               f'runner\'s work_dir {work_dir}')
        dataset = self._from_config(runner, self.dataset_cfg, 'dataset')
        selector = self.selector_cfg
        if selector is None:
            selector = getattr(self._model(runner), 'selector', None)
            if selector is None:
                raise ValueError('no selector: give SelfTrainingRoundHook('
                                 'selector=...) or a method with one')
        self.generator = PseudoLabelGenerator(
            dataset, selector, self.root, tta=self.tta)
        index = self.round_at(runner.iter)
        if index is None:
            self._set_stage(runner, 0)
        elif runner.iter > self.starts[index]:
            self._enter(runner, index, fresh=False)

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch=None,
                         outputs=None) -> None:
        """One step done: advance the model's stage counters (see
        :class:`StagedDAModel`)."""
        self._staged_model(runner).advance_step()

    def before_train_iter(self,
                          runner,
                          batch_idx: int,
                          data_batch=None) -> None:
        if runner.iter in self.starts:
            self._enter(runner, self.starts.index(runner.iter), fresh=True)
