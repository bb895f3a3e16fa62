from unittest import mock

import pytest
import torch
import torch.nn as nn
from mmengine.config import Config
from mmengine.model import BaseModel
from mmengine.optim import OptimWrapperDict, build_optim_wrapper
from mmengine.runner import Runner
from torch.utils.data import Dataset

import emda.engine.optimizers.multi_optim_constructor as constructor_module
from emda.utils import register_all_modules

register_all_modules()


class TinyAdversarialModel(BaseModel):
    """Two trainable submodules stepped by their own optimizers, as an
    adversarial DA method does in its ``train_step``."""

    def __init__(self):
        super().__init__()
        self.segmentor = nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 2))
        self.discriminator = nn.Linear(2, 1)

    def forward(self, inputs, data_samples=None, mode='tensor'):
        return self.segmentor(inputs)

    def train_step(self, data, optim_wrapper):
        inputs = torch.stack(data['inputs'])
        with optim_wrapper['segmentor'].optim_context(self.segmentor):
            seg_loss = self.segmentor(inputs).pow(2).mean()
        optim_wrapper['segmentor'].update_params(seg_loss)
        with optim_wrapper['discriminator'].optim_context(self.discriminator):
            disc_loss = self.discriminator(inputs[:, :2]).pow(2).mean()
        optim_wrapper['discriminator'].update_params(disc_loss)
        return dict(seg_loss=seg_loss.detach(), disc_loss=disc_loss.detach())


class TinyDataset(Dataset):
    metainfo = dict(classes=('a', 'b'))

    def __len__(self):
        return 4

    def __getitem__(self, index):
        return dict(inputs=torch.full((3, ), float(index)))


def _optim_cfg(**extra):
    return dict(
        constructor='MultiOptimWrapperConstructor',
        segmentor=dict(
            type='OptimWrapper', optimizer=dict(type='SGD', lr=0.1)),
        discriminator=dict(
            type='OptimWrapper', optimizer=dict(type='Adam', lr=1e-3)),
        **extra)


def _param_ids(module):
    return {id(p) for p in module.parameters()}


def _optimizer_param_ids(optim_wrapper):
    return {
        id(p)
        for group in optim_wrapper.optimizer.param_groups
        for p in group['params']
    }


def test_each_optimizer_holds_exactly_its_submodule():
    model = TinyAdversarialModel()
    # a parsed config file hands the constructor ConfigDicts
    cfg = Config(dict(optim_wrapper=_optim_cfg())).optim_wrapper
    wrappers = build_optim_wrapper(model, cfg)
    assert isinstance(wrappers, OptimWrapperDict)
    assert set(wrappers.keys()) == {'segmentor', 'discriminator'}
    assert isinstance(wrappers['segmentor'].optimizer, torch.optim.SGD)
    assert isinstance(wrappers['discriminator'].optimizer, torch.optim.Adam)
    for name in ('segmentor', 'discriminator'):
        assert _optimizer_param_ids(wrappers[name]) == _param_ids(
            getattr(model, name))


def test_model_wrapper_is_unwrapped():
    model = TinyAdversarialModel()
    wrappers = build_optim_wrapper(nn.DataParallel(model), _optim_cfg())
    assert _optimizer_param_ids(wrappers['discriminator']) == _param_ids(
        model.discriminator)


def test_paramwise_cfg_per_key_with_top_level_default():
    cfg = _optim_cfg(paramwise_cfg=dict(bias_lr_mult=0.))
    cfg['segmentor']['paramwise_cfg'] = dict(bias_lr_mult=0.5)
    model = TinyAdversarialModel()
    wrappers = build_optim_wrapper(model, cfg)
    seg_bias_lrs = {
        g['lr']
        for g in wrappers['segmentor'].optimizer.param_groups
        if g['params'][0].dim() == 1
    }
    disc_bias_lrs = {
        g['lr']
        for g in wrappers['discriminator'].optimizer.param_groups
        if g['params'][0].dim() == 1
    }
    assert seg_bias_lrs == {0.05}
    assert disc_bias_lrs == {0.}


def test_missing_submodule_names_key_and_available_ones():
    cfg = _optim_cfg()
    cfg['generator'] = cfg.pop('segmentor')
    with pytest.raises(ValueError, match="'generator'") as err:
        build_optim_wrapper(TinyAdversarialModel(), cfg)
    assert "'discriminator', 'segmentor'" in str(err.value)


def test_single_optimizer_config_is_rejected():
    with pytest.raises(ValueError, match="top-level 'optimizer'"):
        build_optim_wrapper(
            TinyAdversarialModel(),
            dict(
                constructor='MultiOptimWrapperConstructor',
                optimizer=dict(type='SGD', lr=0.1)))
    with pytest.raises(ValueError, match='optim_wrapper.discriminator'):
        build_optim_wrapper(
            TinyAdversarialModel(),
            dict(
                constructor='MultiOptimWrapperConstructor',
                discriminator=dict(lr=0.1)))


def test_untouched_trainable_submodule_is_reported():
    cfg = _optim_cfg()
    del cfg['discriminator']
    with mock.patch.object(constructor_module, 'print_log') as log:
        build_optim_wrapper(TinyAdversarialModel(), cfg)
    assert "['discriminator']" in log.call_args.args[0]


def test_runner_from_config_with_keyed_param_schedulers(tmp_path):
    model = TinyAdversarialModel()
    initial = {k: v.clone() for k, v in model.state_dict().items()}
    # Runner(**cfg): from_cfg would pretty-print the model object
    runner = Runner(**dict(
        model=model,
        work_dir=str(tmp_path),
        default_scope='emda',
        train_dataloader=dict(
            dataset=TinyDataset(),
            sampler=dict(type='InfiniteSampler', shuffle=False),
            batch_size=2,
            num_workers=0),
        train_cfg=dict(type='IterBasedTrainLoop', max_iters=3),
        optim_wrapper=_optim_cfg(),
        param_scheduler=dict(
            segmentor=[
                dict(
                    type='StepLR',
                    step_size=1,
                    gamma=0.5,
                    by_epoch=False,
                    end=10)
            ],
            discriminator=[
                dict(
                    type='StepLR',
                    step_size=1,
                    gamma=0.1,
                    by_epoch=False,
                    end=10)
            ]),
        default_hooks=dict(checkpoint=None, logger=None),
        log_level='WARNING'))
    runner.train()
    wrappers = runner.optim_wrapper
    assert isinstance(wrappers, OptimWrapperDict)
    for name in ('segmentor', 'discriminator'):
        assert _optimizer_param_ids(wrappers[name]) == _param_ids(
            getattr(model, name))
    assert wrappers['segmentor'].get_lr()['lr'][0] == pytest.approx(0.1 *
                                                                    0.5**3)
    assert wrappers['discriminator'].get_lr()['lr'][0] == pytest.approx(1e-3 *
                                                                        0.1**3)
    changed = {
        k.split('.')[0]
        for k, v in model.state_dict().items()
        if not torch.equal(v, initial[k])
    }
    assert changed == {'segmentor', 'discriminator'}
