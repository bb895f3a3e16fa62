"""SelfTrainingLoop: the schedule arithmetic it derives, the checks on it,
and the round switch that must reach dataloader workers."""
from types import SimpleNamespace

import numpy as np
import pytest
from mmengine.dataset import Compose
from torch.utils.data import DataLoader

from emda.datasets import MultiDomainDataset
from emda.datasets.pseudo_label_store import PseudoLabelStore
from emda.engine.loops import SelfTrainingLoop
from mmengine.runner import Runner

ROUNDS = [
    dict(stage=1, iters=10, ratio=0.0, tau=0.9),
    dict(stage=1, iters=10, ratio=0.3, tau=0.9),
    dict(stage=2, iters=5, ratio=0.5, tau=0.8),
]


class OneSlice:
    """Slice ``z000.png`` through LoadPseudoLabels, and a draw of the
    worker's numpy stream (to see the worker seeding)."""
    metainfo = dict(classes=('background', 'mitochondria'))

    def __init__(self):
        self.pipeline = Compose([dict(type='LoadPseudoLabels')])

    def __len__(self):
        return 4

    def __getitem__(self, index):
        shape = (8, 8)
        out = self.pipeline(
            dict(
                name='z000.png',
                img_shape=shape,
                ori_shape=shape,
                seg_fields=[]))
        return dict(
            label=int(out['gt_pseudo_seg'][0, 0]),
            draw=int(np.random.randint(2**30)))


def loop_over(dataloader, **schedule):
    runner = SimpleNamespace(
        visualizer=SimpleNamespace(),
        build_dataloader=Runner.build_dataloader,
        seed=0,
        cfg=dict(randomness=dict(seed=0)),
        _randomness_cfg=dict(seed=0))  # read by MMEngine's BaseLoop
    return SelfTrainingLoop(runner, dataloader, **schedule)


def tiny_loader(num_workers=0, **kwargs):
    return DataLoader(
        MultiDomainDataset(target=OneSlice()),
        batch_size=2,
        num_workers=num_workers,
        collate_fn=list,
        **kwargs)


def test_max_iters_and_round_starts_come_from_the_schedule():
    loop = loop_over(tiny_loader(), rounds=ROUNDS, pretrain_iters=7)
    assert loop.starts == [7, 17, 27] and loop.max_iters == 32
    assert loop.round_at(0) is None and loop.round_at(6) is None
    assert [loop.round_at(i) for i in (7, 16, 17, 26, 27, 31)] == \
        [0, 0, 1, 1, 2, 2]
    # every round end is a validation: gcd(7, 10, 10, 5) = 1 here
    assert loop.val_interval == 1


def test_rounds_without_iters_last_round_iters_and_validate_at_round_ends():
    loop = loop_over(
        tiny_loader(),
        rounds=[dict(stage=1, ratio=0.),
                dict(stage=2)],
        pretrain_iters=1000,
        round_iters=200)
    assert loop.starts == [1000, 1200] and loop.max_iters == 1400
    assert loop.val_interval == 200
    assert loop.rounds[1] == dict(stage=2, iters=200, ratio=None, tau=None)


@pytest.mark.parametrize('schedule, match', [
    (dict(rounds=[]), 'at least one round'),
    (dict(rounds=[dict(stage=3, iters=5)]), 'stage must be 1 or 2'),
    (dict(rounds=[dict(stage=1, iters=0)]), 'iters must be >= 1'),
    (dict(rounds=[dict(stage=1)]), 'iters must be >= 1'),
    (dict(rounds=[dict(stage=1, iters=5, r=0.3)]), 'unknown keys'),
    (dict(rounds=ROUNDS, pretrain_iters=-1), 'pretrain_iters'),
    (dict(rounds=ROUNDS, max_iters=30), 'max_iters=30'),
])
def test_bad_schedules_are_rejected(schedule, match):
    with pytest.raises(ValueError, match=match):
        loop_over(tiny_loader(), **schedule)


def _write_rounds(root):
    store = PseudoLabelStore(str(root))
    for name, value in (('round_01', 1), ('round_02', 0)):
        label = np.full((8, 8), value, np.uint8)
        empty = np.zeros((8, 8), np.uint8)
        store.write(
            name, 'z000.png',
            dict(label=label, det_background=empty, point_instances=empty))
    return store


def _worker_loader(num_workers):
    """The train loader config of a run: endless shuffled sampler."""
    return dict(
        batch_size=2,
        num_workers=num_workers,
        persistent_workers=num_workers > 0,
        sampler=dict(type='InfiniteSampler', shuffle=True),
        collate_fn=dict(type='pseudo_collate'),
        dataset=MultiDomainDataset(target=OneSlice()))


@pytest.mark.parametrize('num_workers', [0, 2])
def test_a_round_reaches_persistent_workers(tmp_path, num_workers):
    """Workers hold a copy of the dataset: after ``use_pseudo_labels`` the
    next batches carry the new round, not the copy's old one, the loader
    goes on without end (the run's InfiniteSampler), and the restarted
    workers do not replay the first random draws."""
    store = _write_rounds(tmp_path)
    loop = loop_over(
        _worker_loader(num_workers), rounds=ROUNDS, pretrain_iters=1)

    def values(batch, key):
        return batch['target'][key]

    first = next(loop.dataloader_iterator)
    assert set(values(first, 'label')) == {255}  # no round yet
    loop._iter = loop.starts[0]  # the round hook switches at round starts
    loop.use_pseudo_labels(store.round_dir('round_01'))
    batches = [next(loop.dataloader_iterator) for _ in range(5)]
    assert {v for b in batches for v in values(b, 'label')} == {1}
    if num_workers:
        assert values(batches[0], 'draw') != values(first, 'draw')
    loop._iter = loop.starts[1]
    loop.use_pseudo_labels(store.round_dir('round_02'))
    batches = [next(loop.dataloader_iterator) for _ in range(5)]
    assert {v for b in batches for v in values(b, 'label')} == {0}


def test_a_resumed_round_skips_only_its_own_batches(tmp_path):
    """With workers a round's loader is rebuilt, seeded by the round, when
    the round is entered: a run resumed in the middle of round 2 rebuilds
    the same loader, skips only the batches round 2 had drawn (not every
    batch since iteration 0) and trains on the batch the interrupted run
    would have."""
    store = _write_rounds(tmp_path)
    # the interrupted run: round 2 starts at iteration 11; the batch of
    # iteration 11 was drawn before the switch, so iteration 12 + j trains
    # on batch j of the new loader
    run = loop_over(_worker_loader(2), rounds=ROUNDS, pretrain_iters=1)
    for index, name in enumerate(('round_01', 'round_02')):
        run._iter = run.starts[index]
        run.use_pseudo_labels(store.round_dir(name))
    draws = [next(run.dataloader_iterator)['target']['draw'] for _ in range(4)]
    # resumed after iteration 13: the round hook re-enters round 2 first
    resumed = loop_over(_worker_loader(2), rounds=ROUNDS, pretrain_iters=1)
    resumed._iter = 14
    resumed.use_pseudo_labels(store.round_dir('round_02'))
    assert resumed.batches_to_skip() == 2  # not 14
    for _ in range(resumed.batches_to_skip()):
        next(resumed.dataloader_iterator)
    assert next(resumed.dataloader_iterator)['target']['draw'] == draws[2]
    # at a round's first iteration nothing is skipped
    resumed._iter = resumed.starts[2]
    assert resumed.batches_to_skip() == 0


def test_without_workers_or_before_the_rounds_every_batch_is_skipped():
    """One loader served every iteration: MMEngine's full advance."""
    no_workers = loop_over(_worker_loader(0), rounds=ROUNDS, pretrain_iters=1)
    no_workers._iter = 14
    assert no_workers.batches_to_skip() == 14
    pretraining = loop_over(_worker_loader(2), rounds=ROUNDS, pretrain_iters=9)
    pretraining._iter = 6
    assert pretraining.batches_to_skip() == 6


def test_a_dataset_without_pseudo_label_readers_is_refused(tmp_path):

    class NoReader(OneSlice):

        def __init__(self):
            self.pipeline = Compose([])

    loader = DataLoader(
        MultiDomainDataset(target=NoReader()), batch_size=1, collate_fn=list)
    loop = loop_over(loader, rounds=ROUNDS)
    with pytest.raises(ValueError, match='no LoadPseudoLabels'):
        loop.use_pseudo_labels(str(tmp_path))
