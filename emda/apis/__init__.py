"""One inference layer for every consumer (testing, pseudo-labelling,
``emda-infer``): load a trained model with its working scale, predict
slices of any size by Gaussian-blended tiles with optional flip TTA,
volumes slice by slice or block by block over zarr chunks on dask, and
turn predictions into instances.

Names are imported on first use, so ``emda-infer`` reports bad input
without first importing torch and mmseg.
"""
from importlib import import_module

from .errors import InferenceInputError

_HOMES = dict(
    InferenceSettings='model',
    init_model='model',
    working_scale='model',
    head_outputs='outputs',
    to_size='outputs',
    FLIPS='predict',
    DIHEDRAL='predict',
    predict_tensor='predict',
    predict_samples='predict',
    eval_options='predict',
    predict_slice='slices',
    predict_volume='slices',
    prepare_slice='slices',
    instances='labelling',
    label_volume='labelling',
    watershed_slice='labelling',
    VolumeSource='volume_io',
    segment_volume='segment')

__all__ = ['InferenceInputError'] + list(_HOMES)


def __getattr__(name):
    if name not in _HOMES:
        raise AttributeError(f'module {__name__!r} has no attribute {name!r}')
    return getattr(import_module(f'.{_HOMES[name]}', __name__), name)
