"""Reading EM slices and label maps from PNG/TIFF files, multi-page TIFF
stacks and HDF5 datasets, with errors that name the file."""
import os.path as osp
from typing import Optional

import cv2
import numpy as np

STACK_SUFFIXES = ('.tif', '.tiff')
H5_SUFFIXES = ('.h5', '.hdf5', '.hdf')


def is_stack_file(path: str) -> bool:
    """Whether ``path`` is a file holding a whole (Z, Y, X) stack."""
    return osp.isfile(path) and path.lower().endswith(STACK_SUFFIXES +
                                                      H5_SUFFIXES)


def split_h5_path(path: str):
    """``'vol.h5:raw'`` -> ``('vol.h5', 'raw')``; the key defaults to the
    only dataset of the file."""
    for suffix in H5_SUFFIXES:
        idx = path.lower().find(suffix + ':')
        if idx >= 0:
            cut = idx + len(suffix)
            return path[:cut], path[cut + 1:]
    return path, None


def _h5_dataset(h5file, key: Optional[str], path: str):
    if key is None:
        keys = [k for k in h5file.keys()]
        if len(keys) != 1:
            raise KeyError(f'{path} holds datasets {keys}; name one as '
                           f'"{path}:<key>"')
        key = keys[0]
    if key not in h5file:
        raise KeyError(f'{path} has no dataset "{key}" '
                       f'(it has {list(h5file.keys())})')
    return h5file[key]


def stack_length(path: str) -> int:
    """Number of slices in a TIFF stack or HDF5 dataset."""
    file, key = split_h5_path(path)
    if not osp.isfile(file):
        raise FileNotFoundError(f'EM stack not found: {file}')
    if file.lower().endswith(H5_SUFFIXES):
        import h5py
        with h5py.File(file, 'r') as f:
            ds = _h5_dataset(f, key, file)
            return 1 if ds.ndim == 2 else int(ds.shape[0])
    import tifffile
    with tifffile.TiffFile(file) as tif:
        series = tif.series[0]
        return 1 if len(series.shape) == 2 else int(series.shape[0])


def _read_tiff_slice(file: str, index: int) -> np.ndarray:
    """One slice of a TIFF stack: one page per slice, or one contiguous
    shaped series (tifffile's default for 3D arrays) read by memory map."""
    import tifffile
    with tifffile.TiffFile(file) as tif:
        series = tif.series[0]
        if len(series.shape) == 2:
            return series.asarray()
        if index >= series.shape[0]:
            raise IndexError(f'slice {index} of {series.shape[0]}')
        if len(series.pages) == series.shape[0]:
            return series.pages[index].asarray()
    try:
        return np.array(tifffile.memmap(file, mode='r')[index])
    except ValueError:  # compressed: read the series
        return tifffile.imread(file)[index]


#: how a colour (3/4-channel) file is read: ``'gray'`` keeps one of equal
#: channels and refuses differing ones; ``'to_gray'`` converts (BGR2GRAY)
COLOR_MODES = ('gray', 'to_gray')


def read_slice(path: str,
               index: Optional[int] = None,
               color: str = 'gray') -> np.ndarray:
    """Read one 2D grayscale slice (8- or 16-bit) as stored.

    ``index`` selects a slice of a TIFF stack / HDF5 dataset; plain image
    files are read whole. A colour file whose channels are equal is read as
    its first channel; one whose channels differ is an error unless
    ``color='to_gray'`` (a silent conversion changed results before).
    """
    if color not in COLOR_MODES:
        raise ValueError(f'color must be one of {COLOR_MODES}, got '
                         f'{color!r}')
    file, key = split_h5_path(path)
    if not osp.isfile(file):
        raise FileNotFoundError(f'EM image not found: {file}')
    lower = file.lower()
    try:
        if lower.endswith(H5_SUFFIXES):
            import h5py
            with h5py.File(file, 'r') as f:
                ds = _h5_dataset(f, key, file)
                arr = np.asarray(ds if ds.ndim == 2 else ds[index or 0])
        elif lower.endswith(STACK_SUFFIXES):
            arr = _read_tiff_slice(file, index or 0)
        else:
            arr = cv2.imread(file, cv2.IMREAD_UNCHANGED)
    except (OSError, ValueError, IndexError) as e:
        raise OSError(f'cannot read EM image {file}'
                      f'{"" if index is None else f" slice {index}"}: {e}')
    if arr is None:
        raise OSError(f'cannot read EM image {file}: unknown format or '
                      'corrupt file')
    if arr.ndim == 3:
        if arr.shape[-1] in (3, 4):
            rgb = arr[..., :3]
            same = np.array_equal(rgb[..., 0], rgb[..., 1]) \
                and np.array_equal(rgb[..., 0], rgb[..., 2])
            if same:
                arr = rgb[..., 0]
            elif color == 'to_gray':
                arr = cv2.cvtColor(rgb, cv2.COLOR_BGR2GRAY)
            else:
                raise ValueError(
                    f'{file}: a colour image whose channels differ; EM '
                    "slices are grayscale. Set color='to_gray' on the "
                    "dataset (EMSliceDataset(..., color='to_gray')) to "
                    'convert it, or convert the files')
        elif arr.shape[-1] == 1:
            arr = arr[..., 0]
        else:
            raise ValueError(f'{file}: expected a 2D slice, got an array of '
                             f'shape {arr.shape}')
    if arr.ndim != 2:
        raise ValueError(f'{file}: expected a 2D slice, got shape '
                         f'{arr.shape}')
    return arr


def binarize_label(label: np.ndarray, path: str) -> np.ndarray:
    """Map a {0,1} or {0,255} label to uint8 {0,1}; anything else is an
    error (mmseg would silently ignore 255-valued foreground)."""
    values = np.unique(label)
    if np.all(np.isin(values, (0, 1))):
        return label.astype(np.uint8)
    if np.all(np.isin(values, (0, 255))):
        return (label > 0).astype(np.uint8)
    raise ValueError(f'label {path} has values {values[:10].tolist()}; '
                     'expected a binary mask with values {0, 1} or {0, 255}')
