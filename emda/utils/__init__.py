from emda.structures.heatmaps import (gaussian_integral, gaussian_kernel,
                                      render_heatmap)
from .instances import innermost_points, instance_centroids, label_instances
from .setup_env import allow_mmengine_checkpoints, register_all_modules

__all__ = [
    'register_all_modules', 'allow_mmengine_checkpoints', 'gaussian_kernel',
    'gaussian_integral', 'render_heatmap', 'label_instances',
    'instance_centroids', 'innermost_points'
]
