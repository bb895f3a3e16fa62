"""A small, seeded k-means in torch for prototype sub-modes.

The class-focused contrast (METHOD_SPEC 5.1 c/e) splits the foreground and
the background features into two k-means centroids each, which become extra
negatives. The authors call ``sklearn.KMeans(k=2, n_init=10)``; this is the
same algorithm (k-means++ seeding, Lloyd iterations, best of ``n_init`` runs
by inertia) without leaving torch, and deterministic for a given ``seed``.
"""
from typing import Tuple

import torch
import torch.nn.functional as F
from torch import Tensor


def _squared_distances(points: Tensor, centers: Tensor) -> Tensor:
    """Squared Euclidean distances of (N, D) ``points`` to (..., K, D)
    ``centers``: (..., N, K), clamped at 0 against rounding."""
    dist = (
        points.pow(2).sum(1, keepdim=True) -
        2 * points @ centers.transpose(-1, -2) +
        centers.pow(2).sum(-1).unsqueeze(-2))
    return dist.clamp_min_(0)


def _kmeans_plus_plus(points: Tensor, num_clusters: int,
                      generator: torch.Generator) -> Tensor:
    """k-means++ seeding: each next center is drawn with probability
    proportional to its squared distance to the closest chosen center."""
    num_points = points.shape[0]
    first = torch.randint(num_points, (1, ), generator=generator)
    centers = [points[first.item()]]
    closest = _squared_distances(points, centers[0][None])[:, 0]
    for _ in range(1, num_clusters):
        weights = closest.cpu().double()
        if weights.sum() <= 0:  # every point coincides with a center
            weights = torch.ones_like(weights)
        index = torch.multinomial(weights, 1, generator=generator).item()
        centers.append(points[index])
        closest = torch.minimum(
            closest,
            _squared_distances(points, points[index][None])[:, 0])
    return torch.stack(centers)


def _lloyd(points: Tensor, centers: Tensor, max_iter: int,
           tol: float) -> Tensor:
    """Lloyd iterations of R runs at once, (R, K, D) ``centers``.

    Stops when no assignment changes, every run's summed squared center
    shift is <= ``tol``, or after ``max_iter``. An empty cluster keeps its
    previous center. Batching the runs keeps the number of (tiny) tensor
    operations low, which is what costs time on a busy CPU.
    """
    num_runs, num_clusters, dims = centers.shape
    labels = None
    for _ in range(max_iter):
        # One (N, R * K) product for all runs; the per-point norm does not
        # change the argmin, so it is left out.
        flat = centers.reshape(-1, dims)
        scores = -2 * points @ flat.t() + flat.pow(2).sum(1)
        new_labels = scores.view(-1, num_runs, num_clusters).argmin(-1)
        if labels is not None and torch.equal(new_labels, labels):
            break
        labels = new_labels
        one_hot = F.one_hot(labels, num_clusters).to(points.dtype)
        one_hot = one_hot.view(-1, num_runs * num_clusters)
        counts = one_hot.sum(0).view(num_runs, num_clusters, 1)
        sums = (one_hot.t() @ points).view(num_runs, num_clusters, dims)
        updated = torch.where(counts > 0, sums / counts.clamp_min(1), centers)
        shift = (updated - centers).pow(2).sum((1, 2))
        centers = updated
        if bool((shift <= tol).all()):
            break
    return centers


def kmeans(points: Tensor,
           num_clusters: int = 2,
           n_init: int = 10,
           max_iter: int = 300,
           tol: float = 1e-4,
           seed: int = 0) -> Tuple[Tensor, Tensor]:
    """Cluster ``points`` (N, D) into ``num_clusters`` groups.

    Runs ``n_init`` k-means++ initialisations and keeps the run with the
    lowest inertia. Runs stop when the assignment no longer changes or the
    summed squared center shift is below ``tol`` times the mean
    per-dimension variance of ``points`` (scikit-learn's criterion). The
    same ``points`` and ``seed`` always give the same result.

    Returns:
        tuple: ``centers`` (num_clusters, D) float and ``labels`` (N,) long.
    """
    if points.dim() != 2:
        raise ValueError(
            f'points must be (N, D), got shape {tuple(points.shape)}')
    if num_clusters < 1:
        raise ValueError(f'num_clusters must be >= 1, got {num_clusters}')
    if points.shape[0] < num_clusters:
        raise ValueError(f'kmeans needs at least num_clusters={num_clusters} '
                         f'points, got {points.shape[0]}')
    if n_init < 1:
        raise ValueError(f'n_init must be >= 1, got {n_init}')
    points = points.detach().float()
    abs_tol = tol * points.var(0, unbiased=False).mean().item()
    generator = torch.Generator().manual_seed(seed)
    inits = torch.stack([
        _kmeans_plus_plus(points, num_clusters, generator)
        for _ in range(n_init)
    ])
    centers = _lloyd(points, inits, max_iter, abs_tol)
    dist = _squared_distances(points, centers)
    best = dist.min(-1).values.sum(-1).argmin()
    return centers[best], dist[best].argmin(-1)
