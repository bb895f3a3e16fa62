"""The iteration loop of round-based self-training: the schedule declared
once, as data, and the rounds handed to the dataset by an explicit call."""
import copy
import logging
import math
from typing import Dict, List, Optional, Sequence, Tuple, Union

from mmengine.logging import print_log
from mmengine.runner import IterBasedTrainLoop, Runner
from torch.utils.data import DataLoader

from emda.registry import LOOPS

#: keys a round may set
ROUND_KEYS = ('stage', 'iters', 'ratio', 'tau')


def check_rounds(rounds: Sequence[dict],
                 round_iters: Optional[int] = None) -> List[dict]:
    """The rounds with ``iters`` (default ``round_iters``), ``ratio`` and
    ``tau`` (default None: the selector's own) filled in; a clear error for
    unknown keys, a stage other than 1 or 2, or a round without length."""
    checked = []
    for index, cfg in enumerate(rounds):
        cfg = dict(cfg)
        unknown = set(cfg) - set(ROUND_KEYS)
        if unknown:
            raise ValueError(f'round {index + 1}: unknown keys {unknown}; a '
                             f'round sets {ROUND_KEYS}')
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
        checked.append(cfg)
    if not checked:
        raise ValueError('rounds must list at least one round')
    return checked


def schedule_iters(train_cfg: dict) -> Tuple[int, int]:
    """``(pretrain_iters, max_iters)`` of a ``SelfTrainingLoop`` config, as
    the loop derives them (for tools that read a config without running
    it)."""
    rounds = check_rounds(train_cfg['rounds'], train_cfg.get('round_iters'))
    pretrain = int(train_cfg.get('pretrain_iters', 0))
    return pretrain, pretrain + sum(cfg['iters'] for cfg in rounds)


def _endless(dataloader: DataLoader):
    """Batches of ``dataloader`` without end (epoch after epoch)."""
    while True:
        yield from dataloader


@LOOPS.register_module()
class SelfTrainingLoop(IterBasedTrainLoop):
    """``IterBasedTrainLoop`` whose length is a self-training schedule.

    Iterations ``[0, pretrain_iters)`` are source pretraining (stage 0);
    round ``k`` then runs ``rounds[k]['iters']`` iterations in stage
    ``rounds[k]['stage']`` with the selector's ``ratio`` and ``tau``. The
    schedule is declared here once; ``max_iters`` (and by default a
    ``val_interval`` that validates at every round end) are derived from
    it, so a longer variant overrides one list::

        train_cfg = dict(type='SelfTrainingLoop', pretrain_iters=1000,
                         round_iters=200, rounds=[dict(stage=1, ratio=0.0,
                         tau=0.9), ...])

    :class:`SelfTrainingRoundHook` reads the schedule from this loop
    (``starts``, ``rounds``, :meth:`round_at`) and, after writing a round's
    pseudo-labels, calls :meth:`use_pseudo_labels`: the train dataset's
    ``LoadPseudoLabels`` transforms are pointed at the round's folder and
    dataloader workers, which hold a copy of the dataset, are restarted.

    A resumed run skips only the batches the interrupted run had drawn from
    the loader it resumes with (:meth:`batches_to_skip`): with workers,
    each round has its own loader (seeded by the round), so resuming in
    round ``k`` replays that round's loader alone instead of loading every
    batch since iteration 0 as ``IterBasedTrainLoop`` does (at 2000
    iterations that was 14 minutes of a CPU run, thrown away when the round
    rebuilt the loader).

    Args:
        runner: The runner.
        dataloader: The train dataloader (config or built).
        rounds (list[dict]): ``dict(stage, iters, ratio, tau)`` per round.
        pretrain_iters (int): Stage-0 iterations before the first round.
        round_iters (int, optional): Length of the rounds without ``iters``.
        val_interval (int, optional): Default: the greatest common divisor
            of ``pretrain_iters`` and the round lengths, so that every round
            ends on a validation (the round hook's best checkpoint).
        val_begin (int): First iteration that may validate.
        max_iters (int, optional): Only as a check: it must equal
            ``pretrain_iters`` plus the rounds' iterations.
    """

    def __init__(self,
                 runner,
                 dataloader: Union[DataLoader, Dict],
                 rounds: Sequence[dict],
                 pretrain_iters: int = 0,
                 round_iters: Optional[int] = None,
                 val_interval: Optional[int] = None,
                 val_begin: int = 1,
                 max_iters: Optional[int] = None) -> None:
        if int(pretrain_iters) < 0:
            raise ValueError(f'pretrain_iters must be >= 0, got '
                             f'{pretrain_iters}')
        self.pretrain_iters = int(pretrain_iters)
        self.rounds = check_rounds(rounds, round_iters)
        self.starts: List[int] = []
        start = self.pretrain_iters
        for cfg in self.rounds:
            self.starts.append(start)
            start += cfg['iters']
        if max_iters is not None and int(max_iters) != start:
            raise ValueError(
                f'SelfTrainingLoop: max_iters={max_iters} but pretrain_iters '
                f'+ the rounds\' iters = {start}; drop max_iters (it is '
                'derived) or make them agree')
        if val_interval is None:
            val_interval = math.gcd(self.pretrain_iters,
                                    *[cfg['iters'] for cfg in self.rounds])
        super().__init__(
            runner,
            dataloader,
            max_iters=start,
            val_begin=val_begin,
            val_interval=val_interval)
        # what a worker restart rebuilds the loader from (see
        # _restart_workers)
        self._dataloader_cfg = copy.deepcopy(dataloader) if isinstance(
            dataloader, dict) else None
        randomness = (getattr(runner, 'cfg', None) or {}).get('randomness', {})
        self._seed = getattr(runner, 'seed', None)
        self._diff_rank_seed = bool(randomness.get('diff_rank_seed', False))

    def round_at(self, iteration: int) -> Optional[int]:
        """Index of the round that contains ``iteration`` (None in
        pretraining)."""
        index = None
        for i, start in enumerate(self.starts):
            if iteration >= start:
                index = i
        return index

    def batches_to_skip(self) -> int:
        """Batches a run resumed at the current iteration draws and drops
        so that its next batch is the one the interrupted run would have
        trained on.

        Without workers one loader serves the whole run: every batch since
        iteration 0. With workers, a round's loader is rebuilt (and
        seeded by the round) when the round is entered, and the first
        iteration of a round trains on the batch drawn before that: resuming
        in round ``k`` skips the ``iter - starts[k] - 1`` batches of round
        ``k``'s loader (none at the round's first iteration, whose one batch
        then comes from a fresh loader instead of the previous round's)."""
        index = self.round_at(self._iter)
        if index is None or self.dataloader.num_workers == 0:
            return self._iter
        return max(self._iter - self.starts[index] - 1, 0)

    def run(self):
        """``IterBasedTrainLoop.run`` with the resume skip of
        :meth:`batches_to_skip` in place of its advance over every
        iteration."""
        self.runner.call_hook('before_train')
        self.runner.call_hook('before_train_epoch')
        skip = self.batches_to_skip() if self._iter > 0 else 0
        if self._iter > 0:
            print_log(
                f'resuming at iteration {self._iter}: skipping {skip} '
                'batches of the current loader',
                logger='current',
                level=logging.INFO)
        for _ in range(skip):
            next(self.dataloader_iterator)
        while self._iter < self._max_iters and not self.stop_training:
            self.runner.model.train()
            self.run_iter(next(self.dataloader_iterator))
            self._decide_current_val_interval()
            if (self.runner.val_loop is not None
                    and self._iter >= self.val_begin
                    and (self._iter % self.val_interval == 0
                         or self._iter == self._max_iters)):
                self.runner.val_loop.run()
        self.runner.call_hook('after_train_epoch')
        self.runner.call_hook('after_train')
        return self.runner.model

    def use_pseudo_labels(self, round_dir: str) -> None:
        """Train on the pseudo-labels in ``round_dir`` from the next batch
        the workers load: the dataset is told explicitly, then the workers
        (each with its own copy of the dataset) are restarted."""
        dataset = self.dataloader.dataset
        if not hasattr(dataset, 'set_pseudo_label_dir'):
            raise TypeError(
                f'SelfTrainingLoop trains on pseudo-labels, but the train '
                f'dataset {type(dataset).__name__} has no '
                'set_pseudo_label_dir(); use MultiDomainDataset')
        if dataset.set_pseudo_label_dir(round_dir) == 0:
            raise ValueError('no LoadPseudoLabels in the train pipelines: a '
                             'self-training round has nothing to train on')
        if self.dataloader.num_workers > 0:
            self._restart_workers()

    def _restart_workers(self) -> None:
        """A new DataLoader (``Runner.build_dataloader``) from the loop's
        dataloader config over the same, now switched, dataset, with fresh
        workers. Its sampler and worker seeds are the run's seed plus the
        round's number (1 for the first), so a round neither replays the
        first round's order and augmentations nor depends on the old
        loader's index stream (closing the old iterator closes the sampler's
        generator), and a resumed round rebuilds the same loader."""
        if self._dataloader_cfg is None:
            raise TypeError('SelfTrainingLoop restarts dataloader workers '
                            'from the dataloader config: give it a config '
                            '(train_dataloader=dict(...)), or num_workers=0')
        index = self.round_at(self._iter)
        number = 0 if index is None else index + 1
        cfg = dict(self._dataloader_cfg, dataset=self.dataloader.dataset)
        seed = None if self._seed is None else self._seed + number
        # the old loader and its workers go with the last reference
        self.dataloader = Runner.build_dataloader(
            cfg, seed=seed, diff_rank_seed=self._diff_rank_seed)
        self.dataloader_iterator = _endless(self.dataloader)
