"""WDA-Net's density-guided cross-position cut-and-paste on hand-made
point maps: the densest window of the donor lands on the sparsest window of
the receiver, with its points and label fields."""
import pytest
import torch

from emda.models.utils import cross_position_paste, window_point_counts
from emda.structures import points_from_count_map_tensor as \
    points_from_count_map
from emda.structures import rasterize_point_counts_tensor as rasterize_points

SIZE, WINDOW = 8, 4


def hand_made_batch():
    """Image 0: three points, all in its top-left window only (its unique
    densest window). Image 1: points on row 3 and column 3, so that only
    its bottom-right window (corner (4, 4)) holds none."""
    points = [
        torch.tensor([[0., 0.], [0., 1.], [1., 0.]]),
        torch.tensor([[3., float(x)] for x in range(SIZE)] +
                     [[float(y), 3.] for y in range(SIZE) if y != 3]),
    ]
    point_map = rasterize_points(points, (SIZE, SIZE))
    images = torch.arange(
        2 * SIZE * SIZE, dtype=torch.float32).view(2, 1, SIZE, SIZE)
    label = torch.stack([torch.zeros(SIZE, SIZE), torch.ones(SIZE, SIZE)])
    return images, point_map, label.long()


def test_window_counts_are_exact_box_sums():
    _, point_map, _ = hand_made_batch()
    counts = window_point_counts(point_map, WINDOW)
    assert counts.shape == (2, SIZE - WINDOW + 1, SIZE - WINDOW + 1)
    for b in range(2):
        for y in range(SIZE - WINDOW + 1):
            for x in range(SIZE - WINDOW + 1):
                expected = point_map[b, y:y + WINDOW, x:x + WINDOW].sum()
                assert counts[b, y, x] == int(expected)
    assert counts[0].max() == 3 and (counts[0] == 3).sum() == 1
    assert counts[1].min() == 0 and torch.nonzero(counts[1] == 0).tolist() \
        == [[4, 4]]


def test_densest_window_replaces_the_sparsest_one():
    images, point_map, label = hand_made_batch()
    before = (images.clone(), point_map.clone(), label.clone())
    out = cross_position_paste(
        images, point_map, [label], window=WINDOW, prob=1.)
    # the inputs are not modified
    assert torch.equal(images, before[0])
    assert torch.equal(point_map, before[1])
    assert torch.equal(label, before[2])
    # image 1 receives image 0's three-point window at its empty window
    assert out.boxes[1] == (0, (0, 0), (4, 4))
    assert torch.equal(out.images[1, :, 4:, 4:], images[0, :, :4, :4])
    assert torch.equal(out.point_map[1, 4:, 4:], point_map[0, :4, :4])
    assert torch.equal(out.fields[0][1, 4:, 4:], label[0, :4, :4])
    assert out.point_map[1].sum() == point_map[1].sum() + 3
    # outside the window image 1 is untouched
    keep = torch.ones(SIZE, SIZE, dtype=torch.bool)
    keep[4:, 4:] = False
    assert torch.equal(out.images[1, 0][keep], images[1, 0][keep])
    assert torch.equal(out.fields[0][1][keep], label[1][keep])
    # image 0 receives one of image 1's densest windows at an empty window
    donor, (sy, sx), (dy, dx) = out.boxes[0]
    counts = window_point_counts(point_map, WINDOW)
    assert donor == 1
    assert counts[1, sy, sx] == counts[1].max()
    assert counts[0, dy, dx] == 0
    assert torch.equal(out.images[0, :, dy:dy + WINDOW, dx:dx + WINDOW],
                       images[1, :, sy:sy + WINDOW, sx:sx + WINDOW])


def test_ties_are_broken_at_random():
    images, point_map, _ = hand_made_batch()
    targets = set()
    for seed in range(12):
        gen = torch.Generator().manual_seed(seed)
        out = cross_position_paste(
            images, point_map, window=WINDOW, generator=gen)
        targets.add(out.boxes[0][2])  # image 0 has many empty windows
        assert out.boxes[1] == (0, (0, 0), (4, 4))  # unique, always
    assert len(targets) > 1


def test_probability_zero_and_single_images_paste_nothing():
    images, point_map, label = hand_made_batch()
    out = cross_position_paste(images, point_map, [label], prob=0.)
    assert out.boxes == [None, None]
    assert torch.equal(out.images, images)
    single = cross_position_paste(images[:1], point_map[:1], prob=1.)
    assert single.boxes == [None]
    assert torch.equal(single.images, images[:1])


def test_points_round_trip_through_the_count_map():
    points = [torch.tensor([[1.2, 2.7], [5., 6.], [5., 6.]])]
    point_map = rasterize_points(points, (SIZE, SIZE))
    assert point_map[0, 5, 6] == 2 and point_map.sum() == 3
    recovered = points_from_count_map(point_map[0])
    assert sorted(map(tuple, recovered.tolist())) == [(1., 3.), (5., 6.),
                                                      (5., 6.)]


def test_bad_arguments_are_named():
    images, point_map, label = hand_made_batch()
    with pytest.raises(ValueError, match='prob'):
        cross_position_paste(images, point_map, prob=1.5)
    with pytest.raises(ValueError, match='point_map'):
        cross_position_paste(images, point_map[:, :4])
    with pytest.raises(ValueError, match='fields'):
        cross_position_paste(images, point_map, [label[:, :4]])
    with pytest.raises(ValueError, match='window'):
        cross_position_paste(images, point_map, window=SIZE + 1)
