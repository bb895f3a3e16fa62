"""A frozen copy of a counting path (segmentor + count head), the
reference count of WDA-Net's counting constraint."""
import copy

import torch
import torch.nn as nn
from mmengine.model import is_model_wrapper
from torch import Tensor


def _unwrap(module: nn.Module) -> nn.Module:
    return module.module if is_model_wrapper(module) else module


class FrozenCounter(nn.Module):
    """``segmentor`` + ``count_head`` copies, without gradients and always
    in eval mode; :meth:`copy_from` refreshes them from the live modules.

    They are submodules, so checkpoints carry them (keys
    ``segmentor.*`` and ``count_head.*`` under the owner's attribute).
    """

    def __init__(self, segmentor: nn.Module, count_head: nn.Module):
        super().__init__()
        self.segmentor = copy.deepcopy(segmentor)
        self.count_head = copy.deepcopy(count_head)
        self.requires_grad_(False)
        self.eval()

    def train(self, mode: bool = True) -> 'FrozenCounter':
        """Stay in eval mode whatever the owner's mode."""
        return super().train(False)

    @torch.no_grad()
    def copy_from(self, segmentor: nn.Module, count_head: nn.Module) -> None:
        """Load the current weights of ``segmentor`` and ``count_head``."""
        self.segmentor.load_state_dict(_unwrap(segmentor).state_dict())
        self.count_head.load_state_dict(_unwrap(count_head).state_dict())

    @torch.no_grad()
    def forward(self, inputs: Tensor) -> Tensor:
        """Counts (B,) of ``inputs``."""
        det = self.segmentor.forward_tasks(inputs, heads=('det', ))['det']
        return self.count_head(det)[0]
