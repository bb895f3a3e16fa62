"""Render one synthetic 2D EM slice with its dense mitochondria label.

The scene is built as a "darkness" map (0 = cytoplasm, 1 = black; negative
values are lighter than cytoplasm) painted layer by layer:

1. cells: a warped power-diagram tessellation whose edges are the dark
   membranes and whose cells get slightly different grey levels;
2. cytoplasm: smoothed noise texture and small dark granules;
3. distractors: ER-like tubules, vesicle clusters and dark round or
   elongated organelles, kept inside cells and away from mitochondria;
4. mitochondria: bent capsules with a dark double membrane, a darker
   matrix and cristae lines across the long axis (the label);

then an imaging model applies brightness, contrast, gamma, blur and noise.
All object sizes are multiplied by ``params.scale``.
"""
from typing import List, Sequence, Tuple, Union

import cv2
import numpy as np
from scipy import ndimage as ndi
from scipy.spatial import cKDTree

from .domain_params import EMDomainParams

SizeLike = Union[int, Sequence[int]]

# Sub-pixel precision of cv2 drawing calls (coordinates are scaled by 2**3).
_SHIFT = 3
_REFERENCE_AREA = 256.0 * 256.0
# Exponent of the long axis in the mitochondrion outline |2u/L|^e +
# |2v/W|^2 <= 1: 2 is an ellipse, larger values give blunter ends.
_END_BLUNTNESS = 3.0


def parse_size(size: SizeLike) -> Tuple[int, int]:
    """``int`` or ``(H, W)`` -> ``(H, W)``; at least 32 pixels a side."""
    if isinstance(size, (int, np.integer)):
        size = (int(size), int(size))
    size = tuple(int(s) for s in size)
    if len(size) != 2 or min(size) < 32:
        raise ValueError(f'size must be an int or (H, W) with sides >= 32, '
                         f'got {size}')
    return size


def _uniform(rng: np.random.Generator, bounds: Sequence[float]) -> float:
    return float(rng.uniform(bounds[0], bounds[1]))


def _count(rng: np.random.Generator, per_reference_area: Sequence[float],
           area: float) -> int:
    """Poisson count of objects for a density given per 256x256 pixels."""
    mean = _uniform(rng, per_reference_area) * area / _REFERENCE_AREA
    return int(rng.poisson(mean))


def _smooth_noise(rng: np.random.Generator, shape: Tuple[int, int],
                  sigma: float) -> np.ndarray:
    """Gaussian-filtered white noise with unit std (float32).

    Large sigmas are rendered on a coarser grid and resized, which is much
    faster and visually identical.
    """
    factor = max(1, int(sigma // 3))
    coarse = (max(2, -(-shape[0] // factor)), max(2, -(-shape[1] // factor)))
    noise = rng.standard_normal(coarse).astype(np.float32)
    noise = ndi.gaussian_filter(noise, sigma / factor, mode='wrap')
    if factor > 1:
        noise = cv2.resize(
            noise, (shape[1], shape[0]), interpolation=cv2.INTER_CUBIC)
    return noise / max(float(noise.std()), 1e-6)


def _paint(darkness: np.ndarray, alpha: np.ndarray, value) -> None:
    """Alpha-composite ``value`` (scalar or map) onto ``darkness``."""
    darkness += alpha * (value - darkness)


def _draw_alpha(shape: Tuple[int, int], draw) -> np.ndarray:
    """Run ``draw(canvas)`` on an anti-aliased uint8 canvas -> alpha 0..1."""
    canvas = np.zeros(shape, np.uint8)
    draw(canvas)
    return canvas.astype(np.float32) / 255.0


def _fixed(value: float) -> int:
    return int(round(value * (1 << _SHIFT)))


class _Scene:
    """Mutable state of one slice while it is being painted."""

    def __init__(self, params: EMDomainParams, rng: np.random.Generator,
                 shape: Tuple[int, int]):
        self.params = params
        self.rng = rng
        self.shape = shape
        self.scale = params.scale
        self.area = float(shape[0] * shape[1])
        self.darkness = np.zeros(shape, np.float32)
        self.label = np.zeros(shape, np.uint8)
        self.fine_noise = _smooth_noise(rng, shape, 0.7)
        # Filled by paint_cells and place_mitochondria.
        self.membrane_distance = None  # distance to the nearest membrane
        self.membrane_alpha = None
        self.inside_cells = None  # 1 inside cells, 0 on membranes
        self.cell_ids = None
        self.cell_offsets = None  # grey-level offset of each cell
        self.mito_distance = None  # distance to the nearest mitochondrion

    # ---------------------------------------------------------------- cells
    def paint_cells(self) -> None:
        """Warped power diagram: membrane distance map and cell ids."""
        p, rng, (height, width) = self.params, self.rng, self.shape
        diameter = p.cell_diameter * self.scale
        margin = diameter
        padded_area = (height + 2 * margin) * (width + 2 * margin)
        n_seeds = max(4, int(round(padded_area / diameter**2)))
        seeds = rng.uniform((-margin, -margin),
                            (height + margin, width + margin), (n_seeds, 2))
        weights = (rng.uniform(0, 1, n_seeds) * p.cell_size_spread *
                   diameter)**2
        # The distance map is piecewise smooth: compute it at half
        # resolution and interpolate, which is 4x faster.
        step = 2
        grid_h, grid_w = -(-height // step) + 1, -(-width // step) + 1
        ys, xs = np.mgrid[:grid_h, :grid_w].astype(np.float32) * step
        wobble = p.membrane_wobble * self.scale
        warp_sigma = diameter / (3.0 * step)
        ys = ys + wobble * _smooth_noise(rng, (grid_h, grid_w), warp_sigma)
        xs = xs + wobble * _smooth_noise(rng, (grid_h, grid_w), warp_sigma)
        points = np.stack([ys.ravel(), xs.ravel()], axis=1)
        k = min(8, n_seeds)
        dist, idx = cKDTree(seeds).query(points, k=k)
        power = dist**2 - weights[idx]
        order = np.argsort(power, axis=1)[:, :2]
        rows = np.arange(len(points))[:, None]
        first, second = idx[rows, order].T
        power_first, power_second = power[rows, order].T
        seed_gap = np.linalg.norm(seeds[first] - seeds[second], axis=1)
        distance = (power_second - power_first) / (2 * seed_gap + 1e-6)
        distance = distance.reshape(grid_h, grid_w).astype(np.float32)
        size = (grid_w * step, grid_h * step)
        self.membrane_distance = cv2.resize(
            distance, size, interpolation=cv2.INTER_LINEAR)[:height, :width]
        self.cell_ids = cv2.resize(
            first.reshape(grid_h, grid_w).astype(np.float32),
            size,
            interpolation=cv2.INTER_NEAREST)[:height, :width].astype(int)
        self.cell_offsets = rng.normal(0, p.cell_intensity_jitter, n_seeds)
        half_width = p.membrane_width * self.scale
        self.membrane_alpha = np.clip(
            half_width + 0.5 - self.membrane_distance, 0, 1)
        self.inside_cells = np.clip(self.membrane_distance - half_width - 0.5,
                                    0, 1)

    def is_free(self, y: float, x: float, radius: float) -> bool:
        """Whether a disc fits inside a cell and away from mitochondria."""
        iy, ix = int(y), int(x)
        if not (0 <= iy < self.shape[0] and 0 <= ix < self.shape[1]):
            return False
        membrane_clearance = self.params.membrane_width * self.scale + 1
        return (self.membrane_distance[iy, ix] > radius + membrane_clearance
                and self.mito_distance[iy, ix] > radius + 2)

    def random_free_point(self, radius: float, tries: int = 30):
        """A random point where :meth:`is_free`, or None."""
        for _ in range(tries):
            y = self.rng.uniform(0, self.shape[0])
            x = self.rng.uniform(0, self.shape[1])
            if self.is_free(y, x, radius):
                return y, x
        return None

    def paint_distractor_layer(self, alpha: np.ndarray, value) -> None:
        """Paint clipped to cell interiors and outside mitochondria."""
        alpha = alpha * self.inside_cells * np.clip(self.mito_distance - 1, 0,
                                                    1)
        _paint(self.darkness, alpha, value)

    # ------------------------------------------------------------ cytoplasm
    def paint_granules(self) -> None:
        """Small dark dots (ribosome-like) scattered in the cytoplasm."""
        p = self.params
        n_granules = self.rng.poisson(p.granule_density * self.area)
        layer = np.zeros(self.shape, np.float32)
        ys = self.rng.integers(0, self.shape[0], n_granules)
        xs = self.rng.integers(0, self.shape[1], n_granules)
        layer[ys, xs] = 1.0
        sigma = 0.6 * self.scale
        layer = ndi.gaussian_filter(layer, sigma) * (2 * np.pi * sigma**2)
        _paint(self.darkness, np.clip(layer, 0, 1), p.granule_darkness)

    # --------------------------------------------------------- distractors
    def paint_tubules(self) -> None:
        """Curvy ER-like tubules: a dark line with a lighter lumen."""
        p, rng = self.params, self.rng
        width = max(1, int(round(p.tubule_width * self.scale)))
        curves: List[np.ndarray] = []
        for _ in range(_count(rng, p.tubules, self.area)):
            start = self.random_free_point(width)
            if start is None:
                continue
            length = _uniform(rng, p.tubule_length) * self.scale
            n_steps = max(2, int(length / 2))
            turns = np.cumsum(rng.normal(0, 0.25, n_steps))
            angles = rng.uniform(0, 2 * np.pi) + turns
            steps = 2.0 * np.stack([np.sin(angles), np.cos(angles)], 1)
            curve = np.asarray(start) + np.cumsum(steps, axis=0)
            curves.append(
                np.round(curve[:, ::-1] * (1 << _SHIFT)).astype(np.int32))
        if not curves:
            return

        def draw(canvas, thickness):
            cv2.polylines(canvas, curves, False, 255, thickness, cv2.LINE_AA,
                          _SHIFT)

        self.paint_distractor_layer(
            _draw_alpha(self.shape, lambda c: draw(c, width + 1)),
            p.tubule_darkness)
        if width >= 2:  # a hollow tube once it is wide enough to show
            self.paint_distractor_layer(
                _draw_alpha(self.shape, lambda c: draw(c, width - 1)),
                0.3 * p.tubule_darkness)

    def paint_vesicles(self) -> None:
        """Clusters of small dark-rimmed, light-centred circles."""
        p, rng = self.params, self.rng
        centres, radii = [], []
        for _ in range(_count(rng, p.vesicle_clusters, self.area)):
            radius = _uniform(rng, p.vesicle_radius) * self.scale
            cluster_centre = self.random_free_point(3 * radius)
            if cluster_centre is None:
                continue
            n_vesicles = int(_uniform(rng, p.vesicles_per_cluster))
            spread = 1.2 * radius * np.sqrt(n_vesicles)
            for _ in range(n_vesicles):
                y, x = cluster_centre + rng.normal(0, spread, 2)
                r = radius * rng.uniform(0.85, 1.15)
                if not self.is_free(y, x, r):
                    continue
                if centres and np.min(
                        np.hypot(*(np.asarray(centres) -
                                   (y, x)).T) - np.asarray(radii)) < r + 0.5:
                    continue
                centres.append((y, x))
                radii.append(r)
        if not centres:
            return
        rim = max(1, int(round(0.6 * self.scale)))

        def draw(canvas, thickness):
            for (y, x), r in zip(centres, radii):
                cv2.circle(canvas, (_fixed(x), _fixed(y)), _fixed(r), 255,
                           thickness, cv2.LINE_AA, _SHIFT)

        self.paint_distractor_layer(
            _draw_alpha(self.shape, lambda c: draw(c, -1)), -0.1)
        self.paint_distractor_layer(
            _draw_alpha(self.shape, lambda c: draw(c, rim)),
            p.vesicle_darkness)

    def paint_organelles(self) -> None:
        """Dark granular round/elongated organelles without cristae."""
        p, rng = self.params, self.rng
        alpha = np.zeros(self.shape, np.float32)
        value = np.zeros(self.shape, np.float32)
        halo = np.zeros(self.shape, np.uint8)
        for _ in range(_count(rng, p.organelles, self.area)):
            minor = _uniform(rng, p.organelle_radius) * self.scale
            major = minor * _uniform(rng, p.organelle_elongation)
            centre = self.random_free_point(major + 1)
            if centre is None:
                continue
            axes = (_fixed(major), _fixed(minor))
            angle = rng.uniform(0, 180)
            point = (_fixed(centre[1]), _fixed(centre[0]))
            body = np.zeros(self.shape, np.uint8)
            cv2.ellipse(body, point, axes, angle, 0, 360, 255, -1, cv2.LINE_AA,
                        _SHIFT)
            body_alpha = body.astype(np.float32) / 255.0
            _paint(value, body_alpha, _uniform(rng, p.organelle_darkness))
            alpha = np.maximum(alpha, body_alpha)
            if p.organelle_rim > 0:
                ring_axes = (_fixed(major + 1.5 * self.scale),
                             _fixed(minor + 1.5 * self.scale))
                cv2.ellipse(halo, point, ring_axes, angle, 0, 360, 255,
                            max(1, int(self.scale)), cv2.LINE_AA, _SHIFT)
        if p.organelle_rim > 0:
            self.paint_distractor_layer(
                p.organelle_rim * halo.astype(np.float32) / 255.0, -0.15)
        granular = value * (1 + 0.3 * self.fine_noise)
        self.paint_distractor_layer(alpha, granular)

    # ------------------------------------------------------- mitochondria
    def place_mitochondria(self) -> None:
        """Rejection-sample mitochondria until the sampled fraction is met.

        Each candidate is checked on points of its centre line: the capsule
        must stay inside one cell and keep a gap to accepted mitochondria,
        so instances never touch (their connected components stay apart).
        """
        p, rng, (height, width) = self.params, self.rng, self.shape
        target_pixels = _uniform(rng, p.mito_fraction) * self.area
        clearance = p.membrane_width * self.scale + 1.5
        gap = 2.5 * self.scale
        placed_points = np.zeros((0, 2))
        placed_radii = np.zeros(0)
        fg_pixels = 0
        for _ in range(400):
            if fg_pixels >= target_pixels:
                break
            length = _uniform(rng, p.mito_length) * self.scale
            mito_width = _uniform(rng, p.mito_width) * self.scale
            mito_width = min(mito_width, 0.8 * length)
            bend = _uniform(rng, p.mito_bend) * length
            angle = rng.uniform(0, np.pi)
            centre = rng.uniform((0, 0), (height, width))
            along = np.linspace(-0.45, 0.45, 9) * length
            across = bend * (1 - (2 * along / length)**2)
            radii = 0.5 * mito_width * np.sqrt(
                np.clip(1 - np.abs(2 * along / length)**_END_BLUNTNESS, 0.05,
                        1))
            cos, sin = np.cos(angle), np.sin(angle)
            points = centre + np.stack(
                [along * sin + across * cos, along * cos - across * sin], 1)
            iy, ix = points.astype(int).T
            inside = (iy >= 0) & (iy < height) & (ix >= 0) & (ix < width)
            if not inside[len(inside) // 2]:
                continue
            if np.any(self.membrane_distance[iy[inside],
                                             ix[inside]] < radii[inside] +
                      clearance):
                continue
            if len(placed_points):
                gaps = np.linalg.norm(
                    points[:, None] - placed_points[None], axis=2)
                if np.any(gaps < radii[:, None] + placed_radii[None] + gap):
                    continue
            fg_pixels += self.paint_mitochondrion(centre, length, mito_width,
                                                  bend, angle)
            placed_points = np.concatenate([placed_points, points])
            placed_radii = np.concatenate([placed_radii, radii])
        self.mito_distance = cv2.distanceTransform(
            (self.label == 0).astype(np.uint8), cv2.DIST_L2, 5)

    def paint_mitochondrion(self, centre: np.ndarray, length: float,
                            mito_width: float, bend: float,
                            angle: float) -> int:
        """Render one mitochondrion; returns its label pixels in the slice."""
        p, rng, (height, width) = self.params, self.rng, self.shape
        reach = 0.5 * length + abs(bend) + mito_width
        y0, x0 = (int(max(0, np.floor(c - reach))) for c in centre)
        y1 = int(min(height, np.ceil(centre[0] + reach)))
        x1 = int(min(width, np.ceil(centre[1] + reach)))
        if y1 <= y0 or x1 <= x0:
            return 0
        dy, dx = np.mgrid[y0:y1, x0:x1].astype(np.float32)
        dy -= centre[0]
        dx -= centre[1]
        cos, sin = np.cos(angle), np.sin(angle)
        along = dx * cos + dy * sin
        across = -dx * sin + dy * cos
        across = across - bend * (1 - (2 * along / length)**2)
        shape = (
            np.abs(2 * along / length)**_END_BLUNTNESS +
            (2 * across / mito_width)**2)
        mask = shape <= 1
        if not mask.any():
            return 0
        # Distance to the outline; padding makes the crop border count as
        # inside, so a mitochondrion cut by the slice border stays open.
        depth = cv2.distanceTransform(
            np.pad(mask.astype(np.uint8), 1, mode='edge'), cv2.DIST_L2,
            5)[1:-1, 1:-1]
        membrane = p.mito_membrane_width * self.scale
        # Cristae: lamellae across the long axis, each with its own extent
        # and a slight tilt and waviness.
        period = p.cristae_period * self.scale
        tilt = rng.uniform(-0.4, 0.4)
        phase = rng.uniform(0, period)
        position = (
            along + tilt * across +
            0.6 * self.scale * np.sin(across /
                                      (1.5 * self.scale) + phase) + phase)
        index = np.floor(position / period + 0.5).astype(int)
        index -= index.min()
        extent = rng.uniform(0.4, 1.0, index.max() + 1)
        offset = rng.uniform(-0.35, 0.35, index.max() + 1)
        spans = np.abs(2 * across / mito_width - offset[index]) < extent[index]
        ridge = np.cos(2 * np.pi * position / period)
        cristae = np.clip((ridge - 0.45) / 0.35, 0, 1) * spans
        cristae *= np.clip(depth - membrane - 0.5, 0, 1)
        matrix = p.mito_matrix_darkness * (1 +
                                           0.2 * self.fine_noise[y0:y1, x0:x1])
        value = matrix + cristae * p.cristae_darkness
        rim = np.clip(membrane + 0.5 - depth, 0, 1)
        value += rim * (p.mito_membrane_darkness - value)
        region = self.darkness[y0:y1, x0:x1]
        region[mask] = value[mask]
        self.label[y0:y1, x0:x1] |= mask.astype(np.uint8)
        return int(mask.sum())

    # ------------------------------------------------------------- imaging
    def paint_membranes(self) -> None:
        """Dark membranes whose darkness varies smoothly along them."""
        variation = _smooth_noise(self.rng, self.shape, 6 * self.scale)
        darkness = self.params.membrane_darkness * (1 + 0.12 * variation)
        _paint(self.darkness, self.membrane_alpha, darkness)

    def image(self) -> np.ndarray:
        """Apply texture, brightness, contrast, gamma, blur and noise."""
        p, rng = self.params, self.rng
        texture = _smooth_noise(rng, self.shape, p.texture_sigma * self.scale)
        base = (
            p.brightness + rng.normal(0, 0.02) +
            self.cell_offsets[self.cell_ids] + p.texture_amplitude * texture)
        contrast = p.contrast * rng.uniform(0.93, 1.07)
        intensity = np.clip(base * (1 - contrast * self.darkness), 0, 1)
        intensity = intensity**p.gamma
        intensity = ndi.gaussian_filter(intensity, p.blur_sigma)
        if p.noise == 'gaussian':
            intensity = intensity + rng.normal(0, p.noise_level, self.shape)
        else:
            photons = 1.0 / p.noise_level**2
            intensity = rng.poisson(intensity * photons) / photons
        return np.clip(np.round(intensity * 255), 0, 255).astype(np.uint8)


def generate_slice(
    params: EMDomainParams,
    rng: np.random.Generator,
    size: SizeLike = (256, 256)
) -> Tuple[np.ndarray, np.ndarray]:
    """Render one synthetic EM slice of the domain ``params``.

    Args:
        params: the domain's appearance and content statistics.
        rng: the random generator; the slice is a pure function of its
            state, so equal seeds give equal bytes.
        size: ``(H, W)`` or one int for a square slice.

    Returns:
        ``(image, label)``: uint8 ``(H, W)`` grey image and uint8 ``(H, W)``
        mitochondria mask in {0, 1}.
    """
    if not isinstance(params, EMDomainParams):
        raise TypeError('params must be an EMDomainParams, got '
                        f'{type(params).__name__}')
    if not isinstance(rng, np.random.Generator):
        raise TypeError('rng must be a numpy.random.Generator, got '
                        f'{type(rng).__name__}')
    scene = _Scene(params, rng, parse_size(size))
    scene.paint_cells()
    scene.paint_granules()
    scene.place_mitochondria()
    scene.paint_tubules()
    scene.paint_vesicles()
    scene.paint_organelles()
    scene.paint_membranes()
    return scene.image(), scene.label
