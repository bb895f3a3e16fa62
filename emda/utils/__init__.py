from .instances import innermost_points, instance_centroids, label_instances
from .setup_env import allow_mmengine_checkpoints, register_all_modules

__all__ = [
    'register_all_modules', 'allow_mmengine_checkpoints', 'label_instances',
    'instance_centroids', 'innermost_points'
]
