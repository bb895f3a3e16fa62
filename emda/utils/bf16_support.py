"""Whether this CPU runs bfloat16 natively, and a warning where it does not.

``--amp`` on CPU means bfloat16 autocast. With AVX512-BF16 or AMX, oneDNN
runs bfloat16 convolutions natively (a training step 1.6x faster than
float32, ``results/bf16_throughput.md``); without them PyTorch emulates
bfloat16 and the same step is several times *slower* than float32
(``results/bf16_throughput_avx2.md``, an AVX2-only CPU). A user who asks
for ``--amp`` on such a CPU is told so, once, with the faster choice.
"""
import warnings

import torch

#: ``torch.cpu`` probes of the instructions oneDNN's bfloat16 kernels need
_PROBES = ('_is_avx512_bf16_supported', '_is_amx_tile_supported')


class EmulatedBF16Warning(UserWarning):
    """bfloat16 was asked for on a CPU that can only emulate it."""


def cpu_has_native_bf16() -> bool:
    """True when this CPU has AVX512-BF16 or AMX (PyTorch's own probes; a
    PyTorch without them counts as native, so nothing is claimed that the
    build cannot tell)."""
    cpu = getattr(torch, 'cpu', None)
    probes = [getattr(cpu, name, None) for name in _PROBES]
    probes = [probe for probe in probes if callable(probe)]
    return not probes or any(probe() for probe in probes)


def warn_if_emulated_bf16(what: str) -> bool:
    """Warn (:class:`EmulatedBF16Warning`) that ``what`` (e.g. ``'emda-infer
    --amp'``) will run bfloat16 emulated, hence slower than float32; returns
    whether it warned."""
    if cpu_has_native_bf16():
        return False
    warnings.warn(
        f'{what}: this CPU has neither AVX512-BF16 nor AMX, so bfloat16 '
        'autocast is emulated and runs several times slower than float32 '
        '(results/bf16_throughput_avx2.md); leave out --amp on this '
        'machine',
        EmulatedBF16Warning,
        stacklevel=2)
    return True
