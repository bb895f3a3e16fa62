"""Mixed-precision training by bfloat16 autocast alone, on CPU or GPU."""
from contextlib import contextmanager
from typing import Optional

import torch
import torch.nn as nn
from mmengine.optim import OptimWrapper
from mmengine.runner.amp import autocast

from emda.registry import OPTIM_WRAPPERS


@OPTIM_WRAPPERS.register_module()
class BF16OptimWrapper(OptimWrapper):
    """An ``OptimWrapper`` whose forward passes run under bfloat16 autocast.

    MMEngine's ``AmpOptimWrapper`` refuses to build without a GPU (its
    ``GradScaler`` is CUDA's), so ``--amp`` could not run on CPU. bfloat16
    keeps float32's exponent range, so its gradients do not underflow and
    need no loss scaling: this wrapper is ``OptimWrapper`` plus autocast.
    Parameters, gradients and the optimizer state stay float32 (autocast
    casts per op), so checkpoints and resume are those of ``OptimWrapper``.
    On CPUs with AVX512-BF16 / AMX, convolutions run in oneDNN's bfloat16
    kernels (see ``tools/benchmarks/bf16_throughput.py``).

    Args:
        device_type (str, optional): ``'cpu'`` or ``'cuda'``; None (default)
            uses MMEngine's current device.
        **kwargs: ``OptimWrapper`` arguments (``optimizer``, ``clip_grad``,
            ``accumulative_counts``).
    """

    def __init__(self, device_type: Optional[str] = None, **kwargs):
        super().__init__(**kwargs)
        self.device_type = device_type

    @contextmanager
    def optim_context(self, model: nn.Module):
        """Gradient-accumulation context of ``OptimWrapper`` plus bfloat16
        autocast."""
        with super().optim_context(model), autocast(
                device_type=self.device_type, dtype=torch.bfloat16):
            yield
