"""CrossPositionPaste, the registered mixer WDANet builds from ``mixer``."""
import torch

from emda.registry import TASK_UTILS
from emda.utils import register_all_modules

register_all_modules()


def test_mixer_is_registered_and_moves_points_with_windows():
    mixer = TASK_UTILS.build(
        dict(type='CrossPositionPaste', prob=1., window=4))
    images = torch.rand(2, 1, 8, 8)
    label = torch.randint(0, 2, (2, 8, 8))
    points = [torch.tensor([[1., 1.], [2., 2.]]), torch.zeros(0, 2)]
    gen = torch.Generator().manual_seed(0)
    out = mixer(images, points, [label], generator=gen)
    assert out.pasted == [True, True]
    for i, (j, (sy, sx), (dy, dx)) in enumerate(out.boxes):
        assert torch.equal(out.images[i, :, dy:dy + 4, dx:dx + 4],
                           images[j, :, sy:sy + 4, sx:sx + 4])
        assert torch.equal(out.fields[0][i, dy:dy + 4, dx:dx + 4],
                           label[j, sy:sy + 4, sx:sx + 4])
    # the point-rich window of image 0 went into image 1 with its points
    assert len(out.points[1]) == 2
    assert torch.equal(images, images.clone())  # inputs untouched


def test_mixer_prob_zero_and_single_image_keep_the_points():
    mixer = TASK_UTILS.build(dict(type='CrossPositionPaste', prob=0.))
    points = [torch.tensor([[1.4, 1.]]), torch.tensor([[3., 3.]])]
    out = mixer(torch.rand(2, 1, 8, 8), points)
    assert out.pasted == [False, False]
    assert out.points[0] is points[0]
    one = TASK_UTILS.build(dict(type='CrossPositionPaste', prob=1.))
    assert one(torch.rand(1, 1, 8, 8), points[:1]).pasted == [False]
