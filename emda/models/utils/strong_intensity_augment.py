"""Strong 1-channel photometric augmentation of a batch in tensor space.

Self-training (DACS, mean teacher) trains the student on a strongly
perturbed view of the images its teacher labelled on a weak view; the
perturbation must change appearance only, so the pseudo-label stays valid
pixel for pixel. DACS uses colour jitter and Gaussian blur on RGB; for
grayscale EM the counterparts are brightness, contrast, gamma, blur and
noise.
"""
import math
from typing import Optional, Sequence

import torch
import torch.nn.functional as F

from emda.registry import TASK_UTILS

# Keeps the per-image min-max rescaling finite on flat images.
_SPAN_EPS = 1e-6


def _check_range(value: Sequence[float], name: str, low: float = 0.):
    value = tuple(float(v) for v in value)
    if len(value) != 2 or value[0] > value[1] or value[0] < low:
        raise ValueError(f'{name} must be (min, max) with {low} <= min <= '
                         f'max, got {value}')
    return value


def _check_prob(value: float, name: str) -> float:
    value = float(value)
    if not 0. <= value <= 1.:
        raise ValueError(f'{name} must lie in [0, 1], got {value}')
    return value


def gaussian_blur(img: torch.Tensor, sigma: float) -> torch.Tensor:
    """Separable Gaussian blur of a 1 x C x H x W tensor (replicated
    border, kernel radius ``ceil(3 sigma)``)."""
    radius = max(1, int(math.ceil(3 * sigma)))
    x = torch.arange(-radius, radius + 1, dtype=img.dtype, device=img.device)
    kernel = torch.exp(-0.5 * (x / sigma)**2)
    kernel = kernel / kernel.sum()
    channels = img.shape[1]
    img = F.pad(img, (radius, radius, radius, radius), mode='replicate')
    img = F.conv2d(
        img,
        kernel.view(1, 1, 1, -1).repeat(channels, 1, 1, 1),
        groups=channels)
    return F.conv2d(
        img,
        kernel.view(1, 1, -1, 1).repeat(channels, 1, 1, 1),
        groups=channels)


@TASK_UTILS.register_module()
class StrongIntensityAugment:
    """Random brightness, contrast, gamma, Gaussian blur and Gaussian
    noise, drawn independently per image of a B x C x H x W batch.

    Each image is min-max scaled to [0, 1], perturbed, clipped to [0, 1]
    and mapped back to its own range, so the transform works on normalized
    network inputs whatever the data preprocessor's mean/std. All random
    draws come from ``generator`` (or torch's global generator, which the
    runner seeds) in a fixed order: the same seed gives the same output.

    Args:
        jitter_prob (float): Probability of brightness/contrast jitter.
        brightness (float): Brightness factor drawn from
            ``U(1 - brightness, 1 + brightness)`` (multiplicative).
        contrast (float): Contrast factor drawn from
            ``U(1 - contrast, 1 + contrast)`` (around the image mean).
        gamma_prob (float): Probability of a gamma change.
        gamma (tuple[float]): Range of the gamma exponent.
        blur_prob (float): Probability of Gaussian blur.
        blur_sigma (tuple[float]): Range of the blur sigma, in pixels.
        noise_prob (float): Probability of additive Gaussian noise.
        noise_std (tuple[float]): Range of the noise std (in [0, 1] units).
    """

    def __init__(
        self,
        jitter_prob: float = 0.8,
        brightness: float = 0.2,
        contrast: float = 0.2,
        gamma_prob: float = 0.3,
        gamma: Sequence[float] = (0.7, 1.5),
        blur_prob: float = 0.5,
        blur_sigma: Sequence[float] = (0.15, 1.15),
        noise_prob: float = 0.3,
        noise_std: Sequence[float] = (0.01, 0.05)
    ) -> None:
        self.jitter_prob = _check_prob(jitter_prob, 'jitter_prob')
        self.gamma_prob = _check_prob(gamma_prob, 'gamma_prob')
        self.blur_prob = _check_prob(blur_prob, 'blur_prob')
        self.noise_prob = _check_prob(noise_prob, 'noise_prob')
        if not 0. <= brightness < 1. or not 0. <= contrast < 1.:
            raise ValueError('brightness and contrast must lie in [0, 1), '
                             f'got {brightness}, {contrast}')
        self.brightness = float(brightness)
        self.contrast = float(contrast)
        self.gamma = _check_range(gamma, 'gamma', low=1e-3)
        self.blur_sigma = _check_range(blur_sigma, 'blur_sigma', low=1e-3)
        self.noise_std = _check_range(noise_std, 'noise_std')

    @staticmethod
    def _uniform(low: float, high: float, n: int,
                 generator: Optional[torch.Generator]) -> torch.Tensor:
        return low + (high - low) * torch.rand(n, generator=generator)

    def _factor(self, prob: float, low: float, high: float, n: int,
                neutral: float,
                generator: Optional[torch.Generator]) -> torch.Tensor:
        """Per-image factor: ``U(low, high)`` with probability ``prob``,
        else ``neutral``; always draws 2n numbers, so the stream of random
        numbers does not depend on the outcomes."""
        apply = torch.rand(n, generator=generator) < prob
        value = self._uniform(low, high, n, generator)
        return torch.where(apply, value, torch.full_like(value, neutral))

    @torch.no_grad()
    def __call__(self,
                 img: torch.Tensor,
                 generator: Optional[torch.Generator] = None) -> torch.Tensor:
        """Augmented copy of the B x C x H x W float batch ``img``."""
        if img.dim() != 4 or not img.is_floating_point():
            raise ValueError('StrongIntensityAugment expects a float B x C x '
                             f'H x W batch, got {tuple(img.shape)} '
                             f'{img.dtype}')
        n = img.shape[0]
        jitter = torch.rand(n, generator=generator) < self.jitter_prob
        bright = self._uniform(1 - self.brightness, 1 + self.brightness, n,
                               generator)
        contrast = self._uniform(1 - self.contrast, 1 + self.contrast, n,
                                 generator)
        bright = torch.where(jitter, bright, torch.ones_like(bright))
        contrast = torch.where(jitter, contrast, torch.ones_like(contrast))
        gamma = self._factor(self.gamma_prob, *self.gamma, n, 1., generator)
        sigma = self._factor(self.blur_prob, *self.blur_sigma, n, 0.,
                             generator)
        noise_std = self._factor(self.noise_prob, *self.noise_std, n, 0.,
                                 generator)
        noise = torch.randn(img.shape, generator=generator)

        def per_image(value):
            return value.to(img).view(n, 1, 1, 1)

        low = img.amin(dim=(1, 2, 3), keepdim=True)
        span = (img.amax(dim=(1, 2, 3), keepdim=True) -
                low).clamp_min(_SPAN_EPS)
        x = (img - low) / span
        x = x * per_image(bright)
        mean = x.mean(dim=(1, 2, 3), keepdim=True)
        x = ((x - mean) * per_image(contrast) + mean).clamp(0., 1.)
        x = x.pow(per_image(gamma))
        blurred = [
            gaussian_blur(x[i:i + 1], float(s)) if s > 0 else x[i:i + 1]
            for i, s in enumerate(sigma.tolist())
        ]
        x = torch.cat(blurred)
        x = (x + per_image(noise_std) * noise.to(img)).clamp(0., 1.)
        return x * span + low

    def __repr__(self) -> str:
        args = ', '.join(f'{k}={v!r}' for k, v in vars(self).items())
        return f'{type(self).__name__}({args})'
