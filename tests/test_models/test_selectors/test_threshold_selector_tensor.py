"""ThresholdSelector.select_batch (torch, per step) equals the numpy
per-slice selection it replaced in MeanTeacher."""
import numpy as np
import pytest
import torch

from emda.models.selectors import ThresholdSelector


@pytest.mark.parametrize('weight_mode', ['binary', 'dacs'])
@pytest.mark.parametrize('seed', range(4))
def test_tensor_selection_equals_numpy(seed, weight_mode):
    rng = np.random.default_rng(seed)
    prob = rng.uniform(0, 1, (3, 20, 24)).astype(np.float32)
    prob[0, 0, :4] = [0.9, 0.1, np.nextafter(np.float32(0.9), 1), 1.]
    selector = ThresholdSelector(
        tau=0.8 + 0.05 * seed, weight_mode=weight_mode)
    points = [None, torch.zeros(0, 2), torch.tensor([[3., 4.], [15., 20.]])]
    label, weight = selector.select_batch(
        torch.from_numpy(prob), points=points)
    for i in range(3):
        ref = selector(prob[i], points=points[i])
        assert np.array_equal(label[i].numpy(), ref.label.astype(np.int64))
        assert np.array_equal(weight[i].numpy(), ref.weight)
    assert label.dtype == torch.long and weight.dtype == torch.float32
