"""A round's tau reaches the selector per call; the selector is left as
it was built."""
import numpy as np

from emda.registry import TASK_UTILS


def test_tau_per_call_leaves_the_selector_unchanged():
    selector = TASK_UTILS.build(dict(type='ThresholdSelector', tau=0.9))
    prob = np.full((8, 8), 0.7, np.float32)
    assert (selector(prob).label == 255).all()  # 0.7 < its own 0.9
    assert (selector(prob, tau=0.6).label == 1).all()
    assert selector.tau == 0.9
    assert (selector(prob).label == 255).all()


def test_selectors_without_a_threshold_ignore_tau():
    selector = TASK_UTILS.build(dict(type='EntropySelector'))
    prob = np.linspace(0, 1, 64, dtype=np.float32).reshape(8, 8)
    assert np.array_equal(selector(prob).label, selector(prob, tau=0.8).label)
