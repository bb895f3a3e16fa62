"""One inference layer for every consumer (testing, pseudo-labelling,
``emda-infer``): load a trained model with its working scale, predict
slices of any size by Gaussian-blended tiles with optional flip TTA,
volumes slice by slice or block by block over zarr chunks on dask, and
turn predictions into instances."""
from .errors import InferenceInputError
from .instances import instances, label_volume, watershed_slice
from .model import InferenceSettings, init_model, working_scale
from .outputs import head_outputs, to_size
from .predict import DIHEDRAL, FLIPS, predict_tensor
from .slices import predict_slice, predict_volume, prepare_slice
from .volume_io import VolumeSource

__all__ = [
    'InferenceInputError', 'InferenceSettings', 'init_model', 'working_scale',
    'head_outputs', 'to_size', 'FLIPS', 'DIHEDRAL', 'predict_tensor',
    'predict_slice', 'predict_volume', 'prepare_slice', 'instances',
    'label_volume', 'watershed_slice', 'VolumeSource', 'segment_volume'
]


def segment_volume(*args, **kwargs):
    """See :func:`emda.apis.segment.segment_volume` (imported on use: it
    pulls in dask)."""
    from .segment import segment_volume as run
    return run(*args, **kwargs)
