"""Test helper shared by the multi-optimizer method tests: an optimizer
wrapper that records which parameters each step sees and changes."""
import torch
from mmengine.optim import OptimWrapper


class RecordingOptimWrapper(OptimWrapper):
    """Records, at each step, ``(name, parameters holding a gradient,
    parameters the step changed)`` of the method."""

    def __init__(self, name, method, records, **kwargs):
        super().__init__(**kwargs)
        self.name, self.method, self.records = name, method, records

    def step(self, **kwargs):
        params = dict(self.method.named_parameters())
        with_grad = {n for n, p in params.items() if p.grad is not None}
        before = {n: p.detach().clone() for n, p in params.items()}
        super().step(**kwargs)
        changed = {
            n
            for n, p in params.items() if not torch.equal(before[n], p)
        }
        self.records.append((self.name, with_grad, changed))


def names_of(method, child):
    """Trainable parameter names of ``method``'s submodule ``child``."""
    return {
        n
        for n, p in method.named_parameters()
        if n.startswith(child + '.') and p.requires_grad
    }
