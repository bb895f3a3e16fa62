"""Round-based offline self-training in one run (METHOD_SPEC 7): at the
start of every round of the :class:`SelfTrainingLoop` schedule, pseudo-label
the whole target set and hand the round to the loop."""
import os
import os.path as osp
from typing import List, Optional

from mmengine.hooks import CheckpointHook, Hook
from mmengine.model import is_model_wrapper
from mmengine.runner import load_checkpoint

from emda.apis.z_smoothing import check_sigma
from emda.datasets.pseudo_label_store import PseudoLabelStore, round_name
from emda.models.methods.staged_da_model import StagedDAModel
from emda.registry import HOOKS
from emda.utils.distributed import run_on_main, wait_for_all
from ..loops.self_training_loop import SelfTrainingLoop
from ..pseudo_label_generator import PseudoLabelGenerator


@HOOKS.register_module()
class SelfTrainingRoundHook(Hook):
    """Pseudo-label each round of the loop's schedule.

    The schedule (``pretrain_iters``, ``rounds``) is the train loop's, a
    :class:`SelfTrainingLoop`: iterations before its first round are stage 0
    (source pretraining). At the first iteration of round ``k`` the hook

    1. loads the best checkpoint so far into the model (``init_from=
       'best'``, the paper's "each round starts from the global best"),
       keeps the current weights (``'current'``), or loads the checkpoint
       saved at the previous round's end (``'last'``): under MMEngine's
       ``EMAHook`` that checkpoint holds the averaged weights, so the round
       is pseudo-labelled by the EMA teacher and the student restarts from
       it (a mean-teacher round);
    2. sets the round's stage (``model.set_stage``) and pseudo-labels every
       slice of ``dataset`` with flip TTA and ``selector`` (the round's
       ``ratio`` and ``tau`` passed per call), writing
       ``{work_dir}/pseudo_labels/round_XX`` (label, detection background,
       point instances, heatmap and overlay PNGs and a ``selection.csv``
       with per-slice timings);
    3. calls ``loop.use_pseudo_labels(round_dir)``, which points the train
       pipeline's ``LoadPseudoLabels`` at the round and restarts the
       dataloader workers.

    The model must be a :class:`StagedDAModel` and the loop a
    :class:`SelfTrainingLoop` (both checked before the run). The batch of a
    round's first iteration was drawn before the hook runs (MMEngine draws
    it before ``before_train_iter``), so it still carries the previous
    round's maps; every later batch carries the new ones.

    Resuming mid-round reuses the round's pseudo-labels when they are
    complete on disk (stage, prototype banks and weights come from the
    checkpoint), so training continues with the same targets.

    Args:
        dataset (dict): Target slices to pseudo-label (see
            :class:`PseudoLabelGenerator`); the pair bases define it as
            ``target_pseudo_source``.
        selector (dict): ``TASK_UTILS`` pseudo-label selector config.
        init_from (str): ``'best'``, ``'current'`` or ``'last'`` (needs a
            checkpoint at every round end; checked when the round starts).
        select_by (str, optional): The metric whose best checkpoint a round
            starts from, one of ``CheckpointHook``'s ``save_best`` keys
            (e.g. ``'label_free/score'`` of :class:`LabelFreeSelectionHook`,
            selection without target labels). None (default): the
            ``CheckpointHook``'s only ``save_best`` key.
        tta (bool): Flip TTA for pseudo-labelling. Default: True.
        autocast (bool): Pseudo-label under bfloat16 (CPU) / float16 (CUDA)
            autocast (``tools/train.py --amp`` on CPU sets it). Default:
            False.
        root (str): Pseudo-label root; ``{work_dir}`` is the runner's.
            Default: ``'{work_dir}/pseudo_labels'``.
        z_smooth (float): Smooth the predicted maps along z by a Gaussian of
            this many slices before selection (the dataset's slices are
            consecutive sections; see :class:`PseudoLabelGenerator`), for
            pseudo-labels that agree across slices. Default: 0 (off).
    """

    priority = 'ABOVE_NORMAL'
    INIT_FROM = ('best', 'current', 'last')

    def __init__(self,
                 dataset: dict,
                 selector: dict,
                 init_from: str = 'best',
                 select_by: Optional[str] = None,
                 tta: bool = True,
                 root: str = '{work_dir}/pseudo_labels',
                 autocast: bool = False,
                 z_smooth: float = 0.):
        if init_from not in self.INIT_FROM:
            raise ValueError(f'init_from must be one of {self.INIT_FROM}, '
                             f'got {init_from!r}')
        if not isinstance(dataset, dict) or not isinstance(selector, dict):
            raise TypeError('SelfTrainingRoundHook takes the dataset and the '
                            'selector as configs (dicts)')
        self.dataset_cfg = dataset
        self.selector_cfg = selector
        self.init_from = init_from
        self.select_by = select_by
        self.tta = tta
        self.autocast = bool(autocast)
        self.z_smooth = check_sigma(z_smooth, 'z_smooth')
        self.root_template = root
        self.root: Optional[str] = None
        self.generator: Optional[PseudoLabelGenerator] = None
        self.summaries: List[dict] = []

    # ------------------------------------------------------------ helpers
    @staticmethod
    def _loop(runner) -> SelfTrainingLoop:
        loop = runner.train_loop
        if not isinstance(loop, SelfTrainingLoop):
            raise TypeError(
                'SelfTrainingRoundHook needs train_cfg=dict(type='
                "'SelfTrainingLoop', pretrain_iters=..., rounds=[...]) (the "
                f'round schedule); the train loop is {type(loop).__name__}')
        return loop

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
        self._loop(runner)  # so does a run without a round schedule
        if self.init_from == 'best':
            self._best_ckpt_key(runner)  # a wrong select_by fails now

    def _load_saved(self, runner, path: str) -> dict:
        """Load checkpoint ``path`` into the model (strict, on CPU first);
        returns the checkpoint."""
        return load_checkpoint(
            self._model(runner),
            path,
            map_location='cpu',
            strict=True,
            logger=runner.logger)

    def _load_best(self, runner) -> None:
        path = runner.message_hub.get_info(self._best_ckpt_key(runner))
        if not path or not os.path.isfile(path):
            runner.logger.info('no best checkpoint yet: the round starts '
                               'from the current weights')
            return
        self._load_saved(runner, path)
        runner.logger.info(f'round starts from the best checkpoint {path}')

    def _load_last(self, runner) -> None:
        """Load the checkpoint ``CheckpointHook`` saved at the end of the
        previous round (with ``EMAHook``: the EMA weights)."""
        path = runner.message_hub.get_info('last_ckpt')
        fix = ('save one at every round end '
               '(default_hooks.checkpoint.interval=round_iters)')
        if not path or not os.path.isfile(path):
            raise RuntimeError(
                f'init_from=\'last\': no checkpoint was saved before the '
                f'round at iteration {runner.iter}; {fix}')
        checkpoint = self._load_saved(runner, path)
        saved_at = checkpoint.get('meta', {}).get('iter')
        if saved_at != runner.iter:
            raise RuntimeError(
                f'init_from=\'last\': the last checkpoint {path} is of '
                f'iteration {saved_at}, the round starts at {runner.iter}; '
                f'{fix}')
        runner.logger.info(f'round starts from the last checkpoint {path}')

    def _generate(self, runner, index: int) -> None:
        """Pseudo-label the round on rank 0; every rank gets its summary
        once the files (and the ``done`` marker) are on disk."""
        cfg = self._loop(runner).rounds[index]
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
        complete round, then hand it to the loop. Under DDP rank 0 decides,
        loads and writes; the others wait and load the same checkpoint, so
        every rank leaves with the same weights, stage and round."""
        loop = self._loop(runner)
        store = PseudoLabelStore(self.root)
        name = round_name(index + 1)
        if fresh or not run_on_main(lambda: store.is_complete(name)):
            if fresh and self.init_from != 'current':
                wait_for_all()  # rank 0 has finished writing the checkpoint
                if self.init_from == 'best':
                    self._load_best(runner)
                else:
                    self._load_last(runner)
            self._generate(runner, index)
        else:
            runner.logger.info(f'resuming {name}: its pseudo-labels are '
                               'complete on disk and are reused')
        self._set_stage(runner, loop.rounds[index]['stage'])
        loop.use_pseudo_labels(store.round_dir(name))

    # -------------------------------------------------------------- hooks
    def before_train(self, runner) -> None:
        self.root = self.root_template.replace('{work_dir}',
                                               osp.abspath(runner.work_dir))
        self.generator = PseudoLabelGenerator(
            self.dataset_cfg,
            self.selector_cfg,
            self.root,
            tta=self.tta,
            autocast=self.autocast,
            z_smooth=self.z_smooth)
        loop = self._loop(runner)
        index = loop.round_at(runner.iter)
        if index is None:
            self._set_stage(runner, 0)
        else:
            # resumed inside a round (at its first iteration the round is
            # entered by before_train_iter)
            if runner.iter > loop.starts[index]:
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
        starts = self._loop(runner).starts
        if runner.iter in starts:
            self._enter(runner, starts.index(runner.iter), fresh=True)
