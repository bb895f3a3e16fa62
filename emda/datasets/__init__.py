from .em_slice_dataset import EMSliceDataset
from .multi_domain_dataset import MultiDomainDataset
from .point_annotations import load_points, save_points, simulate_points
from .transforms import *  # noqa: F401,F403

__all__ = [
    'EMSliceDataset', 'MultiDomainDataset', 'load_points', 'save_points',
    'simulate_points'
]
