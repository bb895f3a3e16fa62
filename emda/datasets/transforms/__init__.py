from .em_augment import (NormalizeIntensity, RandomElasticDeform,
                         RandomGaussianBlur, RandomIntensity)
from .formatting import PackEMInputs
from .histogram_matching import MatchTargetHistogram
from .loading import (LoadEMAnnotations, LoadEMImage, LoadPointAnnotations,
                      LoadPseudoLabels)
from .targets import GenerateCenterHeatmap, points_from_map

__all__ = [
    'LoadEMImage', 'LoadEMAnnotations', 'LoadPointAnnotations',
    'LoadPseudoLabels', 'GenerateCenterHeatmap', 'points_from_map',
    'RandomIntensity', 'RandomGaussianBlur', 'RandomElasticDeform',
    'NormalizeIntensity', 'MatchTargetHistogram', 'PackEMInputs'
]
