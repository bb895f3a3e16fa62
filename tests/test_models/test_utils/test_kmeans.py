import pytest
import torch

from emda.models.utils import kmeans


def _two_blobs(seed=0, num=200, dims=16):
    generator = torch.Generator().manual_seed(seed)
    centers = torch.zeros(2, dims)
    centers[0, 0], centers[1, 1] = 5., 5.
    truth = torch.arange(2 * num) % 2
    noise = 0.1 * torch.randn(2 * num, dims, generator=generator)
    return centers[truth] + noise, truth, centers


def test_kmeans_separates_two_obvious_clusters():
    points, truth, centers = _two_blobs()
    found, labels = kmeans(points, num_clusters=2, n_init=5, seed=3)
    # Same partition as the truth, up to the cluster numbering.
    agreement = (labels == truth).float().mean().item()
    assert agreement in (0.0, 1.0)
    assert labels.unique().numel() == 2
    # Each center is the mean of its cluster, close to the true center.
    for k in range(2):
        assert torch.allclose(found[k], points[labels == k].mean(0))
    order = found[:, 0].argsort(descending=True)
    assert torch.allclose(found[order], centers, atol=0.05)


def test_kmeans_is_deterministic_for_a_seed():
    points, _, _ = _two_blobs(seed=1)
    first = kmeans(points, seed=7)
    second = kmeans(points, seed=7)
    assert torch.equal(first[0], second[0])
    assert torch.equal(first[1], second[1])


def test_kmeans_restarts_escape_a_bad_initialisation():
    # Three tight groups: a wrong split (one center between two groups) has
    # a much larger inertia; the best of several restarts finds the split
    # that isolates the far group.
    points = torch.cat([
        torch.zeros(50, 2),
        torch.full((50, 2), 1.),
        torch.tensor([[100., 100.]]).repeat(50, 1)
    ])
    _, labels = kmeans(points, num_clusters=2, n_init=10, seed=0)
    assert labels[:100].unique().numel() == 1
    assert labels[100:].unique().numel() == 1
    assert labels[0] != labels[100]


def test_kmeans_identical_points_stay_finite():
    centers, labels = kmeans(torch.ones(10, 4), num_clusters=2, seed=0)
    assert torch.isfinite(centers).all()
    assert torch.allclose(centers, torch.ones(2, 4))
    assert labels.shape == (10, )


@pytest.mark.parametrize('points, kwargs', [
    (torch.zeros(5), {}),
    (torch.zeros(1, 3), {}),
    (torch.zeros(4, 3), dict(n_init=0)),
    (torch.zeros(4, 3), dict(num_clusters=0)),
])
def test_kmeans_rejects_bad_input(points, kwargs):
    with pytest.raises(ValueError):
        kmeans(points, **kwargs)
