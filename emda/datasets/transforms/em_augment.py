"""1-channel EM augmentations that mmseg/mmcv lack (their photometric ones
assume 3-channel BGR): intensity jitter, blur, elastic deformation and
per-image intensity normalization. Images are float32 HxW in [0, 1]."""
import cv2
import numpy as np
from mmcv.transforms import BaseTransform
from scipy import ndimage as ndi

from emda.registry import TRANSFORMS


@TRANSFORMS.register_module()
class RandomIntensity(BaseTransform):
    """Random brightness (multiplicative), contrast (around the mean) and
    gamma, the grayscale part of the paper's ColorJitter/RandomGamma."""

    def __init__(self,
                 prob: float = 0.5,
                 brightness=(0.7, 1.3),
                 contrast=(0.7, 1.3),
                 gamma=(0.7, 1.5),
                 gamma_prob: float = 0.2):
        self.prob = prob
        self.brightness = brightness
        self.contrast = contrast
        self.gamma = gamma
        self.gamma_prob = gamma_prob

    def transform(self, results: dict) -> dict:
        if np.random.rand() >= self.prob:
            return results
        img = results['img'].astype(np.float32)
        img = img * np.random.uniform(*self.brightness)
        mean = img.mean()
        img = (img - mean) * np.random.uniform(*self.contrast) + mean
        img = np.clip(img, 0, 1)
        if np.random.rand() < self.gamma_prob:
            img = img**np.random.uniform(*self.gamma)
        results['img'] = img.astype(np.float32)
        return results


@TRANSFORMS.register_module()
class RandomGaussianBlur(BaseTransform):
    """Gaussian blur with a random sigma (defocus / section thickness)."""

    def __init__(self, prob: float = 0.2, sigma=(0.5, 1.5)):
        self.prob = prob
        self.sigma = sigma

    def transform(self, results: dict) -> dict:
        if np.random.rand() < self.prob:
            s = np.random.uniform(*self.sigma)
            results['img'] = cv2.GaussianBlur(results['img'], (0, 0), s)
        return results


@TRANSFORMS.register_module()
class RandomElasticDeform(BaseTransform):
    """Smooth random displacement field applied to the image (linear) and to
    every ``seg_fields`` map (nearest), as in EM augmentation practice."""

    def __init__(self,
                 prob: float = 0.3,
                 alpha: float = 30.,
                 sigma: float = 6.):
        self.prob = prob
        self.alpha = alpha
        self.sigma = sigma

    def transform(self, results: dict) -> dict:
        if np.random.rand() >= self.prob:
            return results
        h, w = results['img'].shape[:2]
        dy = ndi.gaussian_filter(np.random.uniform(-1, 1, (h, w)),
                                 self.sigma) * self.alpha
        dx = ndi.gaussian_filter(np.random.uniform(-1, 1, (h, w)),
                                 self.sigma) * self.alpha
        yy, xx = np.meshgrid(np.arange(h), np.arange(w), indexing='ij')
        map_y = (yy + dy).astype(np.float32)
        map_x = (xx + dx).astype(np.float32)
        results['img'] = cv2.remap(
            results['img'],
            map_x,
            map_y,
            cv2.INTER_LINEAR,
            borderMode=cv2.BORDER_REFLECT)
        for key in results.get('seg_fields', []):
            results[key] = cv2.remap(
                results[key],
                map_x,
                map_y,
                cv2.INTER_NEAREST,
                borderMode=cv2.BORDER_REFLECT)
        return results


@TRANSFORMS.register_module()
class NormalizeIntensity(BaseTransform):
    """Per-image min-max scaling to [0, 1] (the paper's ``min_max``)."""

    def transform(self, results: dict) -> dict:
        img = results['img'].astype(np.float32)
        lo, hi = float(img.min()), float(img.max())
        results['img'] = (img - lo) / (hi - lo) if hi > lo else img * 0
        return results
