"""``--amp`` on a CPU without native bfloat16 warns, and only there: the
probe follows PyTorch's own, and the warning reaches the training entry
point and the inference model."""
import argparse
import os.path as osp
import warnings

import pytest
import torch

from emda.utils.bf16_support import (EmulatedBF16Warning, cpu_has_native_bf16,
                                     warn_if_emulated_bf16)

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(REPO, 'configs', 'source_only',
                  'source-only_unet-s4-c16_1xb4-2k_synth-192x192.py')


def fake_cpu(monkeypatch, avx512_bf16, amx):
    monkeypatch.setattr(torch.cpu, '_is_avx512_bf16_supported',
                        lambda: avx512_bf16)
    monkeypatch.setattr(torch.cpu, '_is_amx_tile_supported', lambda: amx)


@pytest.mark.parametrize('avx512_bf16,amx,native', [(False, False, False),
                                                    (True, False, True),
                                                    (False, True, True)])
def test_native_bf16_is_either_instruction_set(monkeypatch, avx512_bf16, amx,
                                               native):
    fake_cpu(monkeypatch, avx512_bf16, amx)
    assert cpu_has_native_bf16() is native


def test_emulated_bf16_warns_with_the_faster_choice(monkeypatch):
    fake_cpu(monkeypatch, False, False)
    with pytest.warns(EmulatedBF16Warning, match='leave out --amp'):
        assert warn_if_emulated_bf16('emda-infer --amp')


def test_native_bf16_does_not_warn(monkeypatch):
    fake_cpu(monkeypatch, True, False)
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        assert not warn_if_emulated_bf16('emda-infer --amp')


@pytest.mark.parametrize('native', [False, True])
def test_train_amp_warns_only_without_native_bf16(monkeypatch, native):
    from emda.tools.train import build_config
    fake_cpu(monkeypatch, native, False)
    args = argparse.Namespace(
        config=CONFIG,
        work_dir='wd',
        resume=None,
        amp=True,
        cfg_options=None,
        launcher='none')
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        cfg = build_config(args)
    emulated = [
        str(w.message) for w in caught if w.category is EmulatedBF16Warning
    ]
    assert len(emulated) == (0 if native else 1)
    assert all('tools/train.py --amp' in m for m in emulated)
    assert cfg.optim_wrapper.type == 'BF16OptimWrapper'  # still as asked


def test_amp_inference_model_warns_without_native_bf16(monkeypatch):
    from emda.apis import init_model
    fake_cpu(monkeypatch, False, False)
    with pytest.warns(EmulatedBF16Warning, match='--amp inference'):
        model = init_model(CONFIG, amp=True)
    assert model.infer_settings.autocast  # the user's choice is kept
