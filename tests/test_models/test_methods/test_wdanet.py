"""WDANet: the loss set of each stage, the decaying count ranking loss, the
frozen source-trained counter and the three-optimizer adversarial step."""
import copy

import pytest
import torch
from mmengine.optim import OptimWrapper, OptimWrapperDict
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

from emda.registry import MODELS
from recording_optim_wrapper import RecordingOptimWrapper, names_of
from emda.structures import (center_weight_map, gaussian_integral,
                             render_heatmap)

SIZE = 32
KERNEL = 11
DISCRIMINATOR = dict(type='FCDiscriminator', ndf=8, num_convs=3)


def build(parts, **kwargs):
    segmentor, preprocessor = parts
    segmentor = {k: v for k, v in segmentor.items() if k != 'proj_head'}
    cfg = dict(
        type='WDANet',
        segmentor=segmentor,
        data_preprocessor=preprocessor,
        count_head=dict(type='CountHead', channels=4, num_branches=2),
        discriminator=DISCRIMINATOR,
        heatmap_kernel=KERNEL)
    cfg.update(kwargs)
    return MODELS.build(cfg)


def make_samples(n=2):
    out = []
    for i in range(n):
        s = SegDataSample()
        label = torch.zeros(1, SIZE, SIZE, dtype=torch.long)
        label[:, 8:16, 8:16] = 1
        s.gt_sem_seg = PixelData(data=label)
        pseudo = torch.full((1, SIZE, SIZE), 255, dtype=torch.uint8)
        pseudo[:, 8:16, 8:16] = 1
        pseudo[:, 24:, :] = 0
        s.gt_pseudo_seg = PixelData(data=pseudo)
        s.gt_points = torch.tensor([[11.5, 11.5], [4., 20. + i]])
        # the pipeline's packed targets (GenerateCenterHeatmap)
        points = s.gt_points.numpy()
        s.gt_heatmap = PixelData(
            data=torch.from_numpy(
                render_heatmap(points, (SIZE, SIZE), KERNEL))[None])
        s.gt_center_weight = PixelData(
            data=torch.from_numpy(center_weight_map(points, (SIZE,
                                                             SIZE)))[None])
        s.set_metainfo(
            dict(
                img_shape=(SIZE, SIZE),
                ori_shape=(SIZE, SIZE),
                pad_shape=(SIZE, SIZE)))
        out.append(s)
    return out


def batch():
    """Preprocessed ``(inputs, data_samples)`` keyed by domain."""
    gen = torch.Generator().manual_seed(0)
    inputs = dict(
        source=torch.randn(2, 1, SIZE, SIZE, generator=gen),
        target=torch.randn(2, 1, SIZE, SIZE, generator=gen))
    return inputs, dict(source=make_samples(), target=make_samples())


def raw_batch():
    """A dataloader batch for ``train_step``."""
    gen = torch.Generator().manual_seed(1)
    return {
        domain:
        dict(
            inputs=[
                torch.rand(1, SIZE, SIZE, generator=gen) for _ in range(2)
            ],
            data_samples=make_samples())
        for domain in ('source', 'target')
    }


def loss_terms(losses):
    return {k for k in losses if 'loss' in k}


def test_each_stage_trains_its_own_loss_set(tiny_multitask_parts):
    model = build(tiny_multitask_parts)
    inputs, samples = batch()
    losses, src_logits, tgt_logits = model.segmentor_losses(inputs, samples)
    assert loss_terms(losses) == {
        'src.decode.loss_ce', 'src.loss_det', 'src.loss_count'
    }
    assert tgt_logits is None and src_logits.shape == (2, 2, SIZE, SIZE)
    model.set_stage(1)  # no target segmentation yet
    losses, _, tgt_logits = model.segmentor_losses(inputs, samples)
    assert loss_terms(losses) == {
        'src.decode.loss_ce', 'src.loss_det', 'adv.loss_adv_tgt',
        'tgt.loss_det', 'tgt.loss_rank'
    }
    assert tgt_logits.shape == (2, 2, SIZE, SIZE)
    model.set_stage(2)
    assert loss_terms(model.segmentor_losses(inputs, samples)[0]) == {
        'src.decode.loss_ce', 'src.loss_det', 'adv.loss_adv_tgt',
        'tgt.loss_det', 'tgt.loss_seg', 'tgt.loss_rank'
    }
    # spec weights: the source detection weight rises to 0.1 in stage 2
    assert model.weights()['src_det'] == 0.1
    # with a discriminator loss() refuses; without one it trains the rest
    with pytest.raises(RuntimeError, match='train_step'):
        model.loss(inputs, samples)
    plain = build(tiny_multitask_parts, discriminator=None)
    plain.set_stage(2)
    assert loss_terms(plain.loss(inputs, samples)) == {
        'src.decode.loss_ce', 'src.loss_det', 'tgt.loss_det', 'tgt.loss_seg',
        'tgt.loss_rank'
    }


def test_ranking_loss_is_zero_inside_the_margin_and_its_weight_decays(
        tiny_multitask_parts):
    rank = MODELS.build(dict(type='CountRankingLoss', margin=3.))
    ref = torch.tensor(10.)
    for count, expected in ((10., 0.), (12.9, 0.), (7.1, 0.), (14., 1.), (5.,
                                                                          2.)):
        assert torch.isclose(
            rank(torch.tensor([count]), ref), torch.tensor(expected))

    model = build(tiny_multitask_parts, rank_decay_iters=10).eval()
    model.set_stage(1)
    # the frozen counter sees about 20 instances, the model about 0
    with torch.no_grad():
        model.frozen_counter.count_head.conv_out.bias.fill_(
            20 * gaussian_integral(KERNEL) / SIZE**2)
    inputs, samples = batch()

    def rank_at(step):
        model.stage_step.fill_(step)
        losses = model.segmentor_losses(inputs, samples)[0]
        return losses

    first = rank_at(0)
    count, ref = first['tgt.count'], first['tgt.count_ref']
    assert ref > count + 3
    assert torch.allclose(first['tgt.loss_rank'], ref - 3 - count, rtol=1e-4)
    assert float(first['tgt.rank_weight']) == 1.
    half = rank_at(5)
    assert torch.allclose(half['tgt.loss_rank'], 0.5 * first['tgt.loss_rank'])
    assert float(rank_at(10)['tgt.loss_rank']) == 0.
    assert float(rank_at(15)['tgt.rank_weight']) == 0.
    # a new stage restarts the decay; re-entering the same stage does not
    model.set_stage(1)
    assert int(model.stage_step) == 15
    model.set_stage(2)
    assert int(model.stage_step) == 0 and model.rank_weight() == 1.
    # training steps advance it (train_step, after the update), the
    # losses alone do not
    model.train()
    model.segmentor_losses(inputs, samples)
    assert int(model.stage_step) == 0
    model.advance_step()
    assert int(model.stage_step) == 1


def adam_wrappers(model, records=None):
    """An OptimWrapperDict of the three networks (recording steps into
    ``records`` when given)."""

    def wrapper(name):
        optimizer = torch.optim.Adam(
            getattr(model, name).parameters(), lr=1e-2)
        if records is None:
            return OptimWrapper(optimizer=optimizer)
        return RecordingOptimWrapper(name, model, records, optimizer=optimizer)

    return OptimWrapperDict(
        **{
            name: wrapper(name)
            for name in ('segmentor', 'count_head', 'discriminator')
        })


def state_of(module):
    return {k: v.detach().clone() for k, v in module.state_dict().items()}


def test_frozen_counter_is_a_snapshot_without_gradient(tiny_multitask_parts):
    torch.manual_seed(0)
    model = build(tiny_multitask_parts)
    optim = adam_wrappers(model)
    model.train()
    assert int(model.counter_ready) == 0
    with pytest.raises(RuntimeError, match='frozen counter'):
        model.reference_count(torch.rand(1, 1, SIZE, SIZE))
    log = model.train_step(raw_batch(), optim)  # stage 0: counting learns
    assert 'src.loss_count' in log and 'adv.loss_d_src' not in log

    model.set_stage(1)  # the end of pretraining: snapshot
    assert int(model.counter_ready) == 1
    seg_state = state_of(model.segmentor)
    snapshot = state_of(model.frozen_counter)
    for key, value in seg_state.items():
        assert torch.equal(snapshot['segmentor.' + key], value)
    for _ in range(2):
        log = model.train_step(raw_batch(), optim)
    assert {'tgt.loss_rank', 'adv.loss_adv_tgt', 'adv.loss_d_tgt'} <= set(log)
    frozen = model.frozen_counter
    assert not frozen.training
    assert all(not p.requires_grad and p.grad is None
               for p in frozen.parameters())
    after = state_of(frozen)
    assert all(torch.equal(after[k], v) for k, v in snapshot.items())
    assert any(not torch.equal(v, seg_state[k])
               for k, v in state_of(model.segmentor).items())
    model.set_stage(2)  # no second snapshot
    assert all(
        torch.equal(state_of(frozen)[k], v) for k, v in snapshot.items())

    # checkpoints carry the counter
    state = copy.deepcopy(model.state_dict())
    fresh = build(tiny_multitask_parts)
    fresh.load_state_dict(state)
    assert int(fresh.counter_ready) == 1 and int(fresh.stage) == 2
    fresh.set_stage(2)
    assert all(
        torch.equal(state_of(fresh.frozen_counter)[k], v)
        for k, v in snapshot.items())


def test_segmentor_step_gives_the_discriminator_no_gradient(
        tiny_multitask_parts):
    torch.manual_seed(0)
    model = build(tiny_multitask_parts).train()
    records = []
    optim = adam_wrappers(model, records)
    model.train_step(raw_batch(), optim)  # stage 0: no discriminator step
    assert [r[0] for r in records] == ['segmentor', 'count_head']
    records.clear()
    model.set_stage(1)
    for _ in range(2):
        model.train_step(raw_batch(), optim)

    own = {
        name: names_of(model, name)
        for name in ('segmentor', 'count_head', 'discriminator')
    }
    assert [r[0] for r in records
            ] == ['segmentor', 'count_head', 'discriminator'] * 2
    for name, with_grad, changed in records:
        if name == 'discriminator':
            # detached maps: no gradient reaches the segmentor / count head
            assert with_grad == own['discriminator']
        else:
            # one backward fills the segmentor and the count head; the
            # frozen discriminator gets nothing
            assert own[name] <= with_grad
            assert not with_grad & own['discriminator']
            assert not with_grad & names_of(model, 'frozen_counter')
        assert changed and changed <= own[name]
    assert all(p.requires_grad for p in model.discriminator.parameters())


def test_bad_configs_and_missing_fields_are_named(tiny_multitask_parts):
    with pytest.raises(ValueError, match='unknown stage'):
        build(tiny_multitask_parts, loss_weights=dict(stage3=dict()))
    with pytest.raises(ValueError, match='unknown terms'):
        build(tiny_multitask_parts, loss_weights=dict(stage1=dict(foo=1.)))
    with pytest.raises(ValueError, match='unknown terms'):  # source only
        build(tiny_multitask_parts, loss_weights=dict(pretrain=dict(rank=1)))
    with pytest.raises(ValueError, match='heatmap_kernel'):
        build(
            tiny_multitask_parts,
            count_head=dict(
                type='CountHead', channels=4, num_branches=2, kernel_size=61))
    with pytest.raises(ValueError, match='prob'):
        build(
            tiny_multitask_parts,
            mixer=dict(type='CrossPositionPaste', prob=2.))
    segmentor, preprocessor = tiny_multitask_parts
    no_det = {k: v for k, v in segmentor.items() if k != 'det_head'}
    with pytest.raises(ValueError, match='det_head'):
        build((no_det, preprocessor))
    model = build(tiny_multitask_parts)
    with pytest.raises(ValueError, match='stage must be'):
        model.set_stage(3)
    model.set_stage(2)
    inputs, samples = batch()
    for s in samples['target']:
        del s.gt_pseudo_seg
    with pytest.raises(KeyError, match='pseudo_points_train_pipeline'):
        model.segmentor_losses(inputs, samples)
