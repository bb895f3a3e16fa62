"""Parameters of one synthetic EM imaging domain, and the two presets.

Sizes are in pixels of the source domain and are multiplied by ``scale``
(a smaller physical pixel size makes every object larger in pixels).
Intensities are on a 0..1 scale; a "darkness" of 1 renders black.
Ranges are ``(low, high)`` tuples sampled uniformly per object or slice.
"""
from dataclasses import asdict, dataclass, replace
from typing import Tuple

Range = Tuple[float, float]

NOISE_TYPES = ('gaussian', 'poisson')


@dataclass(frozen=True)
class EMDomainParams:
    """Appearance and content statistics of one synthetic EM domain.

    Args:
        name: domain name, used in file paths and the manifest.
        scale: object size multiplier (ratio of source to domain pixel
            size).
        cell_diameter: mean cell (neurite) diameter.
        cell_size_spread: how unequal cells are (0 = equal Voronoi cells).
        membrane_width: half-thickness of the dark cell membranes.
        membrane_darkness: darkness of the membranes.
        membrane_wobble: amplitude of the smooth warp that bends the
            straight Voronoi edges.
        cell_intensity_jitter: std of a per-cell brightness offset.
        mito_fraction: target mitochondria pixel fraction per slice.
        mito_length: mitochondrion length range.
        mito_width: mitochondrion width range.
        mito_bend: bend range (centreline sagitta relative to length).
        mito_membrane_width: thickness of the double outer membrane.
        mito_membrane_darkness: darkness of the outer membrane.
        mito_matrix_darkness: darkness of the interior (matrix).
        cristae_period: spacing of the cristae lines.
        cristae_darkness: extra darkness of the cristae lines.
        vesicle_clusters: number of vesicle clusters per 256x256 area.
        vesicles_per_cluster: vesicles in one cluster.
        vesicle_radius: vesicle radius range.
        vesicle_darkness: darkness of the vesicle rims.
        organelles: dark round distractors per 256x256 area.
        organelle_radius: their radius range (semi-minor axis).
        organelle_elongation: their axis ratio range.
        organelle_darkness: their darkness range.
        organelle_rim: 1 draws a light halo ring around them, 0 none.
        tubules: ER-like tubule distractors per 256x256 area.
        tubule_length: their length range.
        tubule_width: their line width.
        tubule_darkness: their darkness.
        texture_sigma: smoothing of the cytoplasm noise texture.
        texture_amplitude: strength of that texture.
        granule_density: dark cytoplasmic granules per pixel.
        granule_darkness: their darkness.
        brightness: cytoplasm grey level before the imaging model.
        contrast: multiplier of all darkness values.
        gamma: gamma applied to the rendered intensities.
        blur_sigma: ``(sigma_y, sigma_x)`` of the point spread function;
            unequal values mimic anisotropic (ssTEM) blur.
        noise: ``'gaussian'`` (additive) or ``'poisson'`` (shot noise).
        noise_level: std for Gaussian noise; for Poisson noise the
            inverse square root of the photon count at intensity 1.
    """
    name: str = 'source'
    scale: float = 1.0
    cell_diameter: float = 72.0
    cell_size_spread: float = 0.8
    membrane_width: float = 1.8
    membrane_darkness: float = 0.8
    membrane_wobble: float = 5.0
    cell_intensity_jitter: float = 0.04
    mito_fraction: Range = (0.06, 0.13)
    mito_length: Range = (24.0, 60.0)
    mito_width: Range = (10.0, 15.0)
    mito_bend: Range = (-0.18, 0.18)
    mito_membrane_width: float = 1.4
    mito_membrane_darkness: float = 0.7
    mito_matrix_darkness: float = 0.45
    cristae_period: float = 5.5
    cristae_darkness: float = 0.35
    vesicle_clusters: Range = (1.0, 3.0)
    vesicles_per_cluster: Range = (10.0, 30.0)
    vesicle_radius: Range = (2.4, 3.4)
    vesicle_darkness: float = 0.6
    organelles: Range = (2.0, 5.0)
    organelle_radius: Range = (3.5, 6.0)
    organelle_elongation: Range = (1.0, 1.3)
    organelle_darkness: Range = (0.6, 0.8)
    organelle_rim: float = 0.0
    tubules: Range = (3.0, 7.0)
    tubule_length: Range = (15.0, 40.0)
    tubule_width: float = 1.2
    tubule_darkness: float = 0.4
    texture_sigma: float = 1.0
    texture_amplitude: float = 0.05
    granule_density: float = 0.01
    granule_darkness: float = 0.3
    brightness: float = 0.72
    contrast: float = 1.0
    gamma: float = 1.0
    blur_sigma: Range = (1.1, 0.7)
    noise: str = 'gaussian'
    noise_level: float = 0.05

    def __post_init__(self):
        if self.noise not in NOISE_TYPES:
            raise ValueError(f'noise must be one of {NOISE_TYPES}, '
                             f'got {self.noise!r}')
        if self.scale <= 0:
            raise ValueError(f'scale must be positive, got {self.scale}')

    def to_dict(self) -> dict:
        """A JSON-friendly dict (tuples become lists)."""
        return {
            key: list(value) if isinstance(value, tuple) else value
            for key, value in asdict(self).items()
        }

    @classmethod
    def from_dict(cls, values: dict) -> 'EMDomainParams':
        """Inverse of :meth:`to_dict`."""
        return cls(
            **{
                key: tuple(value) if isinstance(value, list) else value
                for key, value in values.items()
            })


SOURCE = EMDomainParams()

TARGET = replace(
    SOURCE,
    name='target',
    scale=1.4,
    membrane_width=1.4,
    membrane_darkness=0.6,
    cell_intensity_jitter=0.07,
    mito_membrane_darkness=0.55,
    mito_matrix_darkness=0.22,
    cristae_darkness=0.3,
    texture_sigma=2.0,
    texture_amplitude=0.07,
    granule_density=0.006,
    granule_darkness=0.25,
    brightness=0.68,
    contrast=0.85,
    gamma=1.25,
    blur_sigma=(0.8, 0.8),
    noise='poisson',
    noise_level=0.07)
"""Target domain, the same tissue seen by another microscope and lab:
smaller pixels (objects 1.4x larger), thinner and paler membranes, a lighter
mitochondrial matrix (other staining) with clearer cristae, flatter contrast
and gamma, Poisson shot noise instead of Gaussian read noise, coarser
cytoplasm texture, softer isotropic blur. The distractors (vesicles, dark
round organelles, tubules) are those of the source."""

TARGET_HARD = replace(
    TARGET,
    organelles=(3.0, 6.0),
    organelle_radius=(3.5, 5.5),
    organelle_elongation=(1.6, 2.6),
    organelle_darkness=(0.3, 0.45),
    organelle_rim=1.0,
    tubules=(5.0, 9.0),
    tubule_width=1.6,
    tubule_darkness=0.35)
"""The hard preset (the default until generator version 2, kept for tests):
the imaging shift of :data:`TARGET` plus elongated mid-grey distractors with
a light rim that look like the *source* mitochondria. No real pair has
that: the negatives of one domain are drawn as the positives of the other,
so no label-free method can tell them apart."""

DEFAULT_DOMAINS = (SOURCE, TARGET)

#: named domain pairs a config can ask for (``synthetic_data.preset``)
PRESETS = dict(realistic=DEFAULT_DOMAINS, hard=(SOURCE, TARGET_HARD))

__all__ = [
    'EMDomainParams', 'SOURCE', 'TARGET', 'TARGET_HARD', 'DEFAULT_DOMAINS',
    'PRESETS'
]
