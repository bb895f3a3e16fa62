"""Shared utilities. The exports are imported on first use (PEP 562):
``import emda`` runs the dependency check of :mod:`emda.utils.env_check`,
which would otherwise pull scipy and mmengine into every ``--help``."""
import importlib

#: exported name -> submodule of emda.utils that defines it
_EXPORTS = {
    'register_all_modules': 'setup_env',
    'allow_mmengine_checkpoints': 'setup_env',
    'label_instances': 'instances',
    'instance_centroids': 'instances',
    'innermost_points': 'instances',
}

__all__ = list(_EXPORTS)


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f'module {__name__!r} has no attribute {name!r}')
    module = importlib.import_module(f'.{_EXPORTS[name]}', __name__)
    return getattr(module, name)
