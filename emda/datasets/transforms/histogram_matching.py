"""Source-to-target intensity alignment by histogram matching."""
import glob
import os.path as osp
from typing import Optional

import numpy as np
from mmcv.transforms import BaseTransform

from emda.registry import TRANSFORMS
from .loading import LoadEMImage

#: image files the reference folder may hold
IMAGE_PATTERNS = ('*.png', '*.tif', '*.tiff', '*.jpg')


@TRANSFORMS.register_module()
class MatchTargetHistogram(BaseTransform):
    """Map ``img`` onto the intensity histogram of the target images.

    A domain-alignment baseline that needs no target labels, only the
    target images a UDA user has: each source slice's grey values are
    mapped (``skimage.exposure.match_histograms``) onto the pooled
    histogram of up to ``max_images`` slices of ``reference_dir``, read as
    :class:`LoadEMImage` reads them and subsampled to ``max_pixels``. Put it
    right after ``LoadEMImage`` in the *source* pipeline; target and test
    pipelines stay as they are. The reference is read once per process
    (each dataloader worker) on first use.

    Args:
        reference_dir: folder of target slices.
        max_images: slices pooled, evenly spaced over the sorted folder.
        max_pixels: pooled pixels kept (a fixed stride, no randomness).
    """

    def __init__(self,
                 reference_dir: str,
                 max_images: int = 16,
                 max_pixels: int = 2**21):
        if max_images < 1 or max_pixels < 1:
            raise ValueError('max_images and max_pixels must be >= 1')
        self.reference_dir = reference_dir
        self.max_images = max_images
        self.max_pixels = max_pixels
        self._reference: Optional[np.ndarray] = None

    def reference(self) -> np.ndarray:
        """Pooled target pixels (float32, 1 x N), read on first use."""
        if self._reference is None:
            files = sorted(
                f for pattern in IMAGE_PATTERNS
                for f in glob.glob(osp.join(self.reference_dir, pattern)))
            if not files:
                raise FileNotFoundError(
                    f'MatchTargetHistogram: no images in {self.reference_dir!r}'
                    '; give the folder of the target training slices')
            picks = np.linspace(0,
                                len(files) - 1, min(self.max_images,
                                                    len(files)))
            loader = LoadEMImage()
            pixels = np.concatenate([
                loader.transform(
                    dict(img_path=files[int(round(i))]))['img'].ravel()
                for i in picks
            ])
            stride = max(1, int(np.ceil(len(pixels) / self.max_pixels)))
            self._reference = pixels[::stride].astype(np.float32)[None]
        return self._reference

    def transform(self, results: dict) -> dict:
        from skimage.exposure import match_histograms
        img = results['img']
        if img.ndim != 2:
            raise ValueError('MatchTargetHistogram expects a grayscale HxW '
                             f'img, got shape {img.shape}')
        reference = self.reference()
        matched = match_histograms(img.reshape(1, -1), reference)
        results['img'] = matched.reshape(img.shape).astype(np.float32)
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(reference_dir='
                f'{self.reference_dir!r}, max_images={self.max_images}, '
                f'max_pixels={self.max_pixels})')
