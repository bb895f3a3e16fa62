"""AdaptSegNet and ADVENT: the alternating adversarial step updates each
network with its own optimizer and gradients only; the discriminator maps
of each; the source loss of the adversarial step is the segmentor's own.
MinEnt (the configs of this folder) in test_min_ent.py."""
import glob
import math
import os.path as osp

import pytest
import torch
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.optim import OptimWrapper, OptimWrapperDict, build_optim_wrapper
from mmengine.runner import Runner
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

from emda.models.losses import weighted_self_information
from emda.registry import MODELS
from recording_optim_wrapper import RecordingOptimWrapper, names_of

REPO = osp.dirname(
    osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
DISCRIMINATOR = dict(type='FCDiscriminator', ndf=8, num_convs=3)
SOURCE_PIPELINE = [
    dict(type='LoadEMImage'),
    dict(type='LoadEMAnnotations'),
    dict(type='NormalizeIntensity'),
    dict(type='PackEMInputs')
]
TARGET_PIPELINE = [
    dict(type='LoadEMImage'),
    dict(type='NormalizeIntensity'),
    dict(type='PackEMInputs')
]


def build_method(parts, method='AdaptSegNet', **kwargs):
    if method != 'MinEnt':
        kwargs.setdefault('discriminator', DISCRIMINATOR)
    return MODELS.build(
        dict(
            type=method,
            segmentor=parts[0],
            data_preprocessor=parts[1],
            **kwargs))


def uda_runner(model, optim_wrapper, tiny_em, work_dir, iters=2):
    dataset = dict(
        type='MultiDomainDataset',
        source=dict(
            type='EMSliceDataset',
            data_root=tiny_em,
            img_path='src/images',
            ann_path='src/labels',
            pipeline=SOURCE_PIPELINE),
        target=dict(
            type='EMSliceDataset',
            data_root=tiny_em,
            img_path='tgt/images',
            pipeline=TARGET_PIPELINE))
    return Runner(
        model=model,
        work_dir=str(work_dir),
        # own name: runners built in the same second share a MessageHub
        experiment_name=osp.basename(str(work_dir)),
        train_dataloader=dict(
            batch_size=2,
            num_workers=0,
            sampler=dict(type='InfiniteSampler', shuffle=False),
            dataset=dataset),
        train_cfg=dict(type='IterBasedTrainLoop', max_iters=iters),
        optim_wrapper=optim_wrapper,
        default_scope='emda',
        default_hooks=dict(logger=dict(type='LoggerHook', interval=1)),
        log_level='WARNING',
        randomness=dict(seed=0))


def hand_made_batch(size=32, batch=2):
    """``(inputs, data_samples)`` keyed by domain; source with labels."""
    gen = torch.Generator().manual_seed(0)
    inputs, samples = {}, {}
    for domain in ('source', 'target'):
        inputs[domain] = torch.randn(batch, 1, size, size, generator=gen)
        samples[domain] = []
        for _ in range(batch):
            sample = SegDataSample(
                metainfo=dict(img_shape=(size, size), ori_shape=(size, size)))
            if domain == 'source':
                sample.gt_sem_seg = PixelData(
                    data=torch.randint(0, 2, (1, size, size), generator=gen))
            samples[domain].append(sample)
    return inputs, samples


@pytest.mark.parametrize('method,kwargs', [('AdaptSegNet', {}),
                                           ('ADVENT', {})])
def test_each_step_updates_only_its_network(tiny_em, tiny_model_parts,
                                            tmp_path, method, kwargs):
    model = build_method(tiny_model_parts, method, **kwargs)
    records = []
    optim_wrapper = OptimWrapperDict(
        **{
            name:
            RecordingOptimWrapper(
                name,
                model,
                records,
                optimizer=torch.optim.Adam(
                    getattr(model, name).parameters(), lr=1e-3))
            for name in ('segmentor', 'discriminator')
        })
    runner = uda_runner(model, optim_wrapper, tiny_em, tmp_path)
    runner.train()

    seg_params = names_of(model, 'segmentor')
    disc_params = names_of(model, 'discriminator')
    assert [r[0] for r in records] == ['segmentor', 'discriminator'] * 2
    for name, with_grad, changed in records:
        own = seg_params if name == 'segmentor' else disc_params
        # (a) D frozen: no gradient reaches it from the adversarial loss;
        # (b) detached inputs: no gradient reaches the segmentor.
        assert with_grad == own
        assert changed and changed <= own
    assert all(p.requires_grad for p in model.discriminator.parameters())
    logged = set(runner.message_hub.log_scalars)
    for key in ('src.decode.loss_ce', 'adv.loss_adv_tgt', 'adv.loss_d_src',
                'adv.loss_d_tgt'):
        assert 'train/' + key in logged


def test_source_loss_is_the_segmentors_and_adv_loss_fools_d(tiny_model_parts):
    # eval: no dropout, so the reference forwards below see the same logits
    model = build_method(tiny_model_parts, lambda_adv=0.5).eval()
    inputs, samples = hand_made_batch()
    losses, src_logits, tgt_logits = model.segmentor_losses(inputs, samples)

    own = model.segmentor.loss(inputs['source'], samples['source'])
    assert torch.allclose(losses['src.decode.loss_ce'], own['decode.loss_ce'])
    assert torch.allclose(src_logits,
                          model.segmentor(inputs['source'], mode='tensor'))
    d_tgt = model.discriminator(tgt_logits.softmax(dim=1))
    expected = 0.5 * F.binary_cross_entropy_with_logits(
        d_tgt, torch.ones_like(d_tgt))
    assert torch.allclose(losses['adv.loss_adv_tgt'], expected)


def test_discriminator_sees_logits_at_input_resolution(tiny_model_parts):
    segmentor, preprocessor = tiny_model_parts
    # decode the half-resolution bottleneck: logits are 16 x 16
    head = dict(segmentor['decode_head'], in_index=0, in_channels=16)
    model = build_method((dict(segmentor, decode_head=head), preprocessor))
    inputs, samples = hand_made_batch(size=32)
    assert model.segmentor(inputs['source'], mode='tensor').shape[-1] == 16
    _, src_logits, tgt_logits = model.segmentor_losses(inputs, samples)
    assert src_logits.shape == tgt_logits.shape == (2, 2, 32, 32)


@pytest.mark.parametrize('gan_type', ['bce', 'ls', 'LS'])
def test_gan_type_selects_the_discriminator_objective(tiny_model_parts,
                                                      gan_type):
    model = build_method(tiny_model_parts, gan_type=gan_type)
    gen = torch.Generator().manual_seed(1)
    src_logits = torch.randn(2, 2, 32, 32, generator=gen).requires_grad_()
    tgt_logits = torch.randn(2, 2, 32, 32, generator=gen).requires_grad_()
    losses = model.discriminator_losses(src_logits, tgt_logits)

    d_src = model.discriminator(src_logits.softmax(dim=1))
    d_tgt = model.discriminator(tgt_logits.softmax(dim=1))
    if gan_type == 'bce':
        exp_src = F.binary_cross_entropy_with_logits(d_src,
                                                     torch.ones_like(d_src))
        exp_tgt = F.binary_cross_entropy_with_logits(d_tgt,
                                                     torch.zeros_like(d_tgt))
    else:
        exp_src, exp_tgt = ((d_src - 1)**2).mean(), (d_tgt**2).mean()
    assert torch.allclose(losses['adv.loss_d_src'], 0.5 * exp_src)
    assert torch.allclose(losses['adv.loss_d_tgt'], 0.5 * exp_tgt)
    sum(losses.values()).backward()
    assert src_logits.grad is None and tgt_logits.grad is None


def test_advent_and_minent_training_paths(tiny_em, tiny_model_parts, tmp_path):
    inputs, samples = hand_made_batch()
    adv = build_method(tiny_model_parts, 'ADVENT')
    minent = build_method(tiny_model_parts, 'MinEnt')

    assert adv.discriminator is not None
    assert not hasattr(minent, 'discriminator')
    with pytest.raises(RuntimeError, match='train_step'):
        adv.loss(inputs, samples)
    single = OptimWrapper(torch.optim.Adam(minent.parameters()))
    with pytest.raises(TypeError, match='OptimWrapperDict'):
        adv.train_step({}, single)
    pair = OptimWrapperDict(segmentor=single, discriminator=single)
    with pytest.raises(TypeError, match='single optim_wrapper'):
        minent.train_step({}, pair)
    # AdvEnt's discriminator sees -p log p / log C, AdaptSegNet's p
    logits = torch.tensor([3., -1.]).view(1, 2, 1, 1).expand(1, 2, 4, 4)
    prob = logits.softmax(dim=1)
    assert torch.allclose(
        adv.discriminator_input(logits), -prob * prob.log() / math.log(2))
    assert torch.allclose(
        adv.discriminator_input(logits),
        weighted_self_information(logits, normalize=True))
    assert torch.allclose(
        build_method(tiny_model_parts).discriminator_input(logits), prob)

    # MinEnt trains through the stock train_step with one optimizer
    runner = uda_runner(minent, dict(optimizer=dict(type='Adam', lr=1e-3)),
                        tiny_em, tmp_path)
    runner.train()
    logged = set(runner.message_hub.log_scalars)
    assert {'train/src.decode.loss_ce', 'train/tgt.loss_ent'} <= logged
    assert not any(k.startswith('train/adv.') for k in logged)


@pytest.mark.parametrize('method,kwargs,error,match', [
    ('ADVENT', dict(discriminator=None), ValueError, 'MinEnt'),
    ('ADVENT', dict(mode='minent'), TypeError, 'mode'),
    ('AdaptSegNet', dict(discriminator=None), ValueError, 'discriminator'),
    ('AdaptSegNet', dict(gan_type='wgan'), ValueError, 'gan_type'),
    ('AdaptSegNet', dict(discriminator=dict(DISCRIMINATOR, in_channels=3)),
     ValueError, 'num_classes'),
])
def test_bad_arguments_are_named(tiny_model_parts, method, kwargs, error,
                                 match):
    with pytest.raises(error, match=match):
        build_method(tiny_model_parts, method, **kwargs)


def test_auxiliary_heads_only_without_discriminator(tiny_model_parts):
    segmentor, preprocessor = tiny_model_parts
    segmentor = dict(segmentor, auxiliary_head=segmentor['decode_head'])
    with pytest.raises(ValueError, match='auxiliary'):
        build_method((segmentor, preprocessor))
    # MinEnt's source loss is segmentor.loss, auxiliary terms included
    minent = build_method((segmentor, preprocessor), 'MinEnt')
    inputs, samples = hand_made_batch()
    assert 'src.aux.loss_ce' in minent.loss(inputs, samples)


def test_no_target_batch_says_which(tiny_model_parts):
    model = build_method(tiny_model_parts)
    inputs, samples = hand_made_batch()
    del inputs['target']
    with pytest.raises(KeyError, match='needs a "target" batch'):
        model.segmentor_losses(inputs, samples)


ADVERSARIAL_CONFIGS = sorted(
    glob.glob(osp.join(REPO, 'configs', 'adaptsegnet', '*.py')) +
    glob.glob(osp.join(REPO, 'configs', 'advent', '*.py')))


def test_there_are_adversarial_configs():
    assert len(ADVERSARIAL_CONFIGS) >= 6


@pytest.mark.parametrize(
    'path', ADVERSARIAL_CONFIGS, ids=lambda p: osp.basename(p))
def test_config_optimizers_match_the_mode(path):
    cfg = Config.fromfile(path)
    model = MODELS.build(cfg.model)
    optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    assert cfg.train_dataloader.dataset.target.img_path.endswith('images')
    if 'minent' in osp.basename(path):
        assert type(model).__name__ == 'MinEnt'
        assert not hasattr(model, 'discriminator')
        assert not isinstance(optim_wrapper, OptimWrapperDict)
        assert isinstance(cfg.param_scheduler, list)
        assert cfg.model_wrapper_cfg.type == 'MMDistributedDataParallel'
    else:
        assert model.discriminator is not None
        assert set(optim_wrapper.keys()) == {'segmentor', 'discriminator'}
        assert set(cfg.param_scheduler) == {'segmentor', 'discriminator'}
        assert all(s[0].end == cfg.train_cfg.max_iters
                   for s in cfg.param_scheduler.values())
        assert cfg.model_wrapper_cfg.type == \
            'MMSeparateDistributedDataParallel'
