from mmengine.registry import DefaultScope

import emda.registry as reg


def test_every_registry_is_a_child_of_mmseg():
    import mmseg.registry as mreg
    for name in ('MODELS', 'DATASETS', 'TRANSFORMS', 'METRICS', 'HOOKS',
                 'LOOPS', 'TASK_UTILS', 'OPTIM_WRAPPER_CONSTRUCTORS',
                 'VISUALIZERS', 'DATA_SAMPLERS', 'PARAM_SCHEDULERS'):
        child, parent = getattr(reg, name), getattr(mreg, name)
        assert child.parent is parent, name
        assert child.scope == 'emda'


def test_emda_scope_resolves_emda_and_mmseg_names():
    with DefaultScope.overwrite_default_scope('emda'):
        assert reg.MODELS.get('SourceOnly').__module__.startswith('emda')
        assert reg.MODELS.get('UNet').__module__.startswith('mmseg')
        assert reg.MODELS.get('HSCNet').__module__.startswith('emda')
        assert reg.TRANSFORMS.get('RandomCrop').__module__.startswith('mmseg')
        assert reg.METRICS.get('EMSegMetric') is not None
        assert reg.TASK_UTILS.get('InstanceAwareSelector') is not None


def test_unknown_component_names_the_key():
    import pytest
    with pytest.raises(KeyError, match='NoSuchBackbone'):
        reg.MODELS.build(dict(type='NoSuchBackbone'))


def test_unknown_component_is_reported_with_its_config_key_path():
    import pytest
    from mmengine.config import Config

    from emda.utils.config_check import check_component_names
    cfg = Config(
        dict(
            model=dict(
                type='SourceOnly',
                segmentor=dict(
                    type='EncoderDecoder', backbone=dict(type='Nope'))),
            custom_hooks=[dict(type='SelfTrainingRundHook')],
            optim_wrapper=dict(optimizer=dict(type='Adam'))))
    with pytest.raises(KeyError) as error:
        check_component_names(cfg)
    message = str(error.value)
    assert "model.segmentor.backbone.type = 'Nope'" in message
    assert "custom_hooks[0].type = 'SelfTrainingRundHook'" in message
    assert 'did you mean SelfTrainingRoundHook' in message
    assert 'Adam' not in message and 'SourceOnly' not in message
