"""``--amp`` on a CPU without native bfloat16 warns, and only there: the
probe follows PyTorch's own, and the warning reaches the inference model
(the training entry point: ``tests/test_engine/test_bf16_amp.py``)."""
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


def test_amp_inference_model_warns_without_native_bf16(bf16_cpu):
    from emda.apis import init_model
    bf16_cpu(False)
    with pytest.warns(EmulatedBF16Warning, match='--amp inference'):
        model = init_model(CONFIG, amp=True)
    assert model.infer_settings.autocast  # the user's choice is kept
