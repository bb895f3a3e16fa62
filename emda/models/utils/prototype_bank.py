"""Memory of class prototypes for the class-focused cross-domain contrast.

METHOD_SPEC 5.1: five FIFO memories of 128-d prototypes, refreshed from
detached features every few hundred iterations:

- ``obj_pos`` (2): target foreground prototypes (point-instance, all-fg);
- ``src_obj_pos`` (1): source foreground prototype (confident and correct);
- ``bck_pos`` (1): target background prototype;
- ``obj_neg`` (3): negatives of fg anchors (all-bg + 2 bg k-means modes);
- ``bck_neg`` (4): negatives of bg anchors (point-instance, all-fg + 2 fg
  k-means modes).

The memories are buffers, so checkpoints save and resume them exactly
(entries, fill level and FIFO order). Prototypes are means of L2-normalized
pixel features, read from the feature map bilinearly upsampled to label
size; the accessors return unit vectors as the loss (5.3) uses them.
"""
from typing import Optional, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from emda.registry import MODELS
from .anchor_sampler import check_dense_inputs, gather_pixel_features
from .kmeans import kmeans

#: Which memories hold the positives / negatives of each anchor class.
POSITIVE_MEMORIES = {'fg': ('obj_pos', 'src_obj_pos'), 'bg': ('bck_pos', )}
NEGATIVE_MEMORIES = {'fg': ('obj_neg', ), 'bg': ('bck_neg', )}


class PrototypeMemory(nn.Module):
    """A FIFO of at most ``maxlen`` vectors, stored oldest first.

    ``entries`` (maxlen, D) and ``count`` are buffers; pushing onto a full
    memory drops its oldest entry.
    """

    def __init__(self, maxlen: int, embed_dims: int):
        super().__init__()
        if maxlen < 1:
            raise ValueError(f'maxlen must be >= 1, got {maxlen}')
        self.maxlen = maxlen
        self.register_buffer('entries', torch.zeros(maxlen, embed_dims))
        self.register_buffer('count', torch.zeros((), dtype=torch.long))

    def __len__(self) -> int:
        return int(self.count)

    @torch.no_grad()
    def push(self, vector: Tensor) -> None:
        """Append one (D,) vector (detached)."""
        if vector.shape != self.entries.shape[1:]:
            raise ValueError(f'expected a vector of shape '
                             f'{tuple(self.entries.shape[1:])}, got '
                             f'{tuple(vector.shape)}')
        vector = vector.detach().to(self.entries)
        size = len(self)
        if size < self.maxlen:
            self.entries[size] = vector
            self.count += 1
        else:
            self.entries.copy_(torch.cat([self.entries[1:], vector[None]]))

    def values(self) -> Tensor:
        """(len, D) stored vectors, oldest first."""
        return self.entries[:len(self)]

    def extra_repr(self) -> str:
        return f'{len(self)}/{self.maxlen}'


@MODELS.register_module()
class PrototypeBank(nn.Module):
    """FIFO prototype memories of METHOD_SPEC 5.1 and their refresh rules.

    Args:
        embed_dims (int): feature dimension. Defaults to 128.
        obj_pos_len, obj_neg_len, bck_pos_len, bck_neg_len, src_obj_pos_len
            (int): memory sizes. Default to 2, 3, 1, 4, 1 as in the paper.
        kmeans_pixels (int): pixels subsampled for each k-means so a refresh
            stays fast on CPU. Defaults to 4096.
        kmeans_n_init (int): k-means restarts. Defaults to 10.
        seed (int): seed of the subsampling and the k-means. Defaults to 0.
    """

    def __init__(self,
                 embed_dims: int = 128,
                 obj_pos_len: int = 2,
                 obj_neg_len: int = 3,
                 bck_pos_len: int = 1,
                 bck_neg_len: int = 4,
                 src_obj_pos_len: int = 1,
                 kmeans_pixels: int = 4096,
                 kmeans_n_init: int = 10,
                 seed: int = 0):
        super().__init__()
        if kmeans_pixels < 2:
            raise ValueError(
                f'kmeans_pixels must be >= 2, got {kmeans_pixels}')
        self.embed_dims = embed_dims
        self.kmeans_pixels = kmeans_pixels
        self.kmeans_n_init = kmeans_n_init
        self.seed = seed
        self.obj_pos = PrototypeMemory(obj_pos_len, embed_dims)
        self.obj_neg = PrototypeMemory(obj_neg_len, embed_dims)
        self.bck_pos = PrototypeMemory(bck_pos_len, embed_dims)
        self.bck_neg = PrototypeMemory(bck_neg_len, embed_dims)
        self.src_obj_pos = PrototypeMemory(src_obj_pos_len, embed_dims)

    def _pixel_features(self, feats: Tensor, mask: Tensor) -> Tensor:
        """(N, D) unit features of the ``mask`` pixels at label size."""
        return gather_pixel_features(feats.detach().float(), mask.nonzero(),
                                     mask.shape[1:])

    def _modes(self, pixels: Tensor) -> Tensor:
        """Two k-means centroids of ``pixels`` (at most ``kmeans_pixels``
        of them, drawn with a fixed seed); (0, D) if fewer than 2 pixels."""
        if pixels.shape[0] < 2:
            return pixels.new_zeros(0, pixels.shape[1])
        if pixels.shape[0] > self.kmeans_pixels:
            generator = torch.Generator().manual_seed(self.seed)
            keep = torch.randperm(pixels.shape[0], generator=generator)
            pixels = pixels[keep[:self.kmeans_pixels].to(pixels.device)]
        centers, _ = kmeans(
            pixels, num_clusters=2, n_init=self.kmeans_n_init, seed=self.seed)
        return centers

    @torch.no_grad()
    def update_source(self,
                      feats: Tensor,
                      fg_prob: Tensor,
                      gt: Tensor,
                      conf: float = 0.95) -> None:
        """Push the source fg prototype: the mean feature over pixels with
        ``fg_prob > conf`` and ``gt == 1`` (skipped if there are none).

        Args:
            feats (Tensor): (B, D, h, w) source features.
            fg_prob (Tensor): (B, H, W) foreground probability.
            gt (Tensor): (B, H, W) labels, 0/1 with 255 = ignore.
        """
        check_dense_inputs(feats, {}, dict(fg_prob=fg_prob, gt=gt))
        mask = (fg_prob > conf) & (gt == 1)
        if mask.any():
            self.src_obj_pos.push(self._pixel_features(feats, mask).mean(0))

    @torch.no_grad()
    def update_target(self,
                      feats: Tensor,
                      fg_mask: Tensor,
                      bg_mask: Tensor,
                      point_instance_mask: Optional[Tensor] = None) -> None:
        """Push the target prototypes of one refresh (METHOD_SPEC 5.1 a-e).

        Args:
            feats (Tensor): (B, D, h, w) target features.
            fg_mask (Tensor): (B, H, W) bool foreground pixels (``p_fg >
                0.95`` in Stage 1, pseudo-label == 1 in Stage 2).
            bg_mask (Tensor): (B, H, W) bool background pixels.
            point_instance_mask (Tensor, optional): (B, H, W) bool pixels of
                the fg instances that contain a labeled point.

        Pushes whose pixel set is empty are skipped; k-means needs >= 2.
        """
        masks = dict(fg_mask=fg_mask, bg_mask=bg_mask)
        if point_instance_mask is not None:
            masks['point_instance_mask'] = point_instance_mask
        check_dense_inputs(feats, masks)
        if point_instance_mask is not None and point_instance_mask.any():
            point_proto = self._pixel_features(feats,
                                               point_instance_mask).mean(0)
            self.obj_pos.push(point_proto)
            self.bck_neg.push(point_proto)
        if fg_mask.any():
            fg_pixels = self._pixel_features(feats, fg_mask)
            self.obj_pos.push(fg_pixels.mean(0))
            self.bck_neg.push(fg_pixels.mean(0))
            for center in self._modes(fg_pixels):
                self.bck_neg.push(center)
        if bg_mask.any():
            bg_pixels = self._pixel_features(feats, bg_mask)
            self.bck_pos.push(bg_pixels.mean(0))
            self.obj_neg.push(bg_pixels.mean(0))
            for center in self._modes(bg_pixels):
                self.obj_neg.push(center)

    @staticmethod
    def _check_class(cls: str) -> None:
        if cls not in POSITIVE_MEMORIES:
            raise ValueError(f"cls must be 'fg' or 'bg', got {cls!r}")

    def _stored(self, names: Tuple[str, ...]) -> Tensor:
        """Unit-norm entries of the named memories, concatenated."""
        values = torch.cat([getattr(self, name).values() for name in names])
        return F.normalize(values, dim=1)

    def positive(self, cls: str) -> Tensor:
        """(D,) unit positive of class ``cls`` ('fg' or 'bg'): the normalized
        mean of its positive prototypes (fg: ``obj_pos`` and
        ``src_obj_pos``, the cross-domain part; bg: ``bck_pos``)."""
        self._check_class(cls)
        stored = self._stored(POSITIVE_MEMORIES[cls])
        if stored.shape[0] == 0:
            raise RuntimeError(f'no {cls} positive stored yet')
        return F.normalize(stored.mean(0), dim=0)

    def negatives(self, cls: str) -> Tensor:
        """(K, D) unit negatives of ``cls`` anchors (K may be 0)."""
        self._check_class(cls)
        return self._stored(NEGATIVE_MEMORIES[cls])

    def is_ready(self, cls: Optional[str] = None) -> bool:
        """Whether ``cls`` (both classes if None) has a positive and at
        least one negative, i.e. its contrast term can be computed."""
        if cls is None:
            return self.is_ready('fg') and self.is_ready('bg')
        self._check_class(cls)
        return (any(len(getattr(self, n)) for n in POSITIVE_MEMORIES[cls])
                and any(len(getattr(self, n)) for n in NEGATIVE_MEMORIES[cls]))
