"""Offline pseudo-labelling of a whole target set (METHOD_SPEC 6.1): flip
test-time augmentation, a registered selector per slice, PNGs on disk."""
import csv
import os
import os.path as osp
import time
from typing import Dict, List, Optional

import cv2
import numpy as np
import torch
from mmengine.dataset import Compose
from mmengine.model import is_model_wrapper
from tqdm import tqdm

from emda.apis.predict import FLIPS as TTA_FLIPS
from emda.apis.predict import predict_tensor
from emda.apis.z_smoothing import check_sigma, z_smooth
from emda.datasets.point_annotations import pixel_points
from emda.datasets.pseudo_label_store import PseudoLabelStore
from emda.registry import DATASETS, TASK_UTILS

#: flip dims of the 4-way flip TTA (identity, vertical, horizontal, both)
FLIPS = tuple(dims for dims, _ in TTA_FLIPS)


def _unwrap(model):
    return model.module if is_model_wrapper(model) else model


def predict_tasks(segmentor,
                  inputs: torch.Tensor,
                  tta: bool = True,
                  autocast: bool = False) -> Dict[str, torch.Tensor]:
    """Foreground probability ``prob_fg`` (B x H x W) and, when the
    segmentor has a detection head, the raw ``heatmap`` (B x H x W),
    averaged over the 4 flips (or the identity only): the whole-slice path
    of :func:`emda.apis.predict_tensor` (``autocast``: bfloat16 forwards on
    CPU, float32 outputs)."""
    return predict_tensor(segmentor, inputs, tta=tta, autocast=autocast)


def overlay(image: np.ndarray, label: np.ndarray) -> np.ndarray:
    """RGB check image: selected foreground green, ignored pixels blue."""
    gray = (image * 255).clip(0, 255).astype(np.uint8)
    rgb = np.stack([gray] * 3, -1)
    rgb[label == 1] = (0.5 * rgb[label == 1] + [0, 127, 0]).astype(np.uint8)
    rgb[label == 255] = (0.7 * rgb[label == 255] + [76, 0, 0]).astype(np.uint8)
    return rgb  # BGR order for cv2: blue = ignore


class PseudoLabelGenerator:
    """Predict every slice of a target dataset, select pseudo-labels and
    write them as a round of a :class:`PseudoLabelStore`.

    Args:
        dataset (dict): Target training slices with an evaluation pipeline
            at the working scale (``EMTestPipeline(scale, with_labels=
            False)``) and, for the weakly supervised setting, ``points_file``
            (points are read from the dataset, scaled to the working scale).
        selector (dict | object): A ``TASK_UTILS`` selector (IPL, threshold,
            entropy) or its config.
        root (str): Store root, default ``'{work_dir}/pseudo_labels'``.
        tta (bool): 4-way flip test-time augmentation. Default: True.
        save_visuals (bool): Also write heatmap and overlay PNGs.
        autocast (bool): Predict under bfloat16 (CPU) / float16 (CUDA)
            autocast, about twice as fast on a CPU with AVX512-BF16
            (``tools/benchmarks/bf16_inference.py``). Default: False.
        z_smooth (float): Gaussian sigma, in slices, of a smoothing along z
            of the foreground probability and the heatmap before the
            selector sees them (:func:`emda.apis.z_smoothing.z_smooth`),
            so that a pseudo-label agrees with its neighbour slices: the
            dataset's slices, in their order, must be consecutive sections
            of one volume (an ``EMSliceDataset`` is). All slices are predicted
            before any is selected, so their maps are held at the working
            scale. 0 (default): each slice on its own.
    """

    def __init__(self,
                 dataset: dict,
                 selector,
                 root: str = '{work_dir}/pseudo_labels',
                 tta: bool = True,
                 save_visuals: bool = True,
                 autocast: bool = False,
                 z_smooth: float = 0.):
        self.z_smooth = check_sigma(z_smooth, 'z_smooth')
        self.dataset = DATASETS.build(dataset)
        self.selector = TASK_UTILS.build(selector) if isinstance(
            selector, dict) else selector
        self.root = root
        self.tta = tta
        self.save_visuals = save_visuals
        self.autocast = bool(autocast)
        self._pipeline: Optional[Compose] = None

    def _slice_inputs(self, model, index: int):
        """(normalized input 1x1xhxw, working-scale image, scale factor,
        full-resolution shape, data_info) of slice ``index``."""
        info = self.dataset.get_data_info(index)
        sample = self.dataset.pipeline(dict(info, seg_fields=[]))
        data = _unwrap(model).data_preprocessor(
            dict(
                inputs=[sample['inputs']],
                data_samples=[sample['data_samples']]), False)
        meta = sample['data_samples'].metainfo
        h, w = meta['img_shape'][:2]
        scale = h / meta['ori_shape'][0]
        image = sample['inputs'][0].float().numpy()[:h, :w]
        return data['inputs'], image, scale, meta['ori_shape'][:2], info

    def run(self,
            model,
            round_name: str,
            ratio: Optional[float] = None,
            tau: Optional[float] = None,
            logger=None) -> dict:
        """Pseudo-label every slice into round ``round_name``; returns a
        summary (counts and seconds per slice for prediction and
        selection). ``tau`` is this round's threshold, passed to every
        selector call (the selector itself is not changed; None: its own)."""
        store = PseudoLabelStore(self.root)
        out_dir = store.round_dir(round_name)
        os.makedirs(out_dir, exist_ok=True)
        store.clear_complete(round_name)  # until every file is rewritten
        segmentor = _unwrap(model).segmentor
        was_training = segmentor.training
        segmentor.eval()
        indices = tqdm(
            range(len(self.dataset)),
            desc=f'pseudo-labels {round_name}',
            leave=False,
            disable=None)
        try:
            if self.z_smooth > 0:  # the whole stack first, then select
                preds = self.smooth_along_z(
                    [self.predict_slice(model, i) for i in indices])
                rows = [
                    self._label_slice(pred, store, round_name, ratio, tau)
                    for pred in preds
                ]
            else:  # one slice at a time
                rows = [
                    self._label_slice(
                        self.predict_slice(model, i), store, round_name, ratio,
                        tau) for i in indices
                ]
        finally:
            segmentor.train(was_training)
        self._write_table(osp.join(out_dir, 'selection.csv'), rows)
        store.mark_complete(round_name)
        summary = dict(
            round=round_name,
            slices=len(rows),
            ratio=ratio,
            tau=getattr(self.selector, 'tau', None) if tau is None else tau,
            fg_fraction=float(np.mean([r['fg_fraction'] for r in rows])),
            ignore_fraction=float(
                np.mean([r['ignore_fraction'] for r in rows])),
            predict_s_per_slice=float(np.mean([r['predict_s'] for r in rows])),
            select_s_per_slice=float(np.mean([r['select_s'] for r in rows])),
            select_s_total=float(np.sum([r['select_s'] for r in rows])))
        if logger is not None:
            logger.info('pseudo-labels %s: %s', round_name, summary)
        return summary

    def predict_slice(self, model, index: int) -> dict:
        """What the selector sees of slice ``index`` at the working scale:
        ``prob`` (h x w), ``heatmap`` (h x w or None), ``points`` (K x 2,
        y x), the ``image``, the ``scale`` and ``full_shape`` of the
        stored maps, the dataset's ``info`` and ``predict_s``."""
        inputs, image, scale, full_shape, info = self._slice_inputs(
            model, index)
        start = time.perf_counter()
        pred = predict_tasks(
            _unwrap(model).segmentor, inputs, self.tta, self.autocast)
        h, w = image.shape
        prob = pred['prob_fg'][0, :h, :w].cpu().numpy()
        heatmap = pred['heatmap'][
            0, :h, :w].cpu().numpy() if 'heatmap' in pred else None
        predict_s = time.perf_counter() - start
        points = pixel_points(
            np.asarray(info.get('points', np.zeros(
                (0, 2))), np.float64).reshape(-1, 2) * scale, (h, w),
            info['name'], info.get('points_file'))
        return dict(
            prob=prob,
            heatmap=heatmap,
            points=points,
            image=image,
            scale=scale,
            full_shape=full_shape,
            info=info,
            predict_s=predict_s)

    def smooth_along_z(self, preds: List[dict]) -> List[dict]:
        """``preds`` (:meth:`predict_slice` of consecutive slices, in z
        order) with ``prob`` and ``heatmap`` smoothed along z by
        ``z_smooth`` slices."""
        if not preds:
            return preds
        shapes = {pred['prob'].shape for pred in preds}
        if len(shapes) > 1:
            raise ValueError(
                f'z_smooth={self.z_smooth} smooths a stack of slices, but '
                f'the slices have different shapes {sorted(shapes)}')
        with_heatmap = preds[0]['heatmap'] is not None
        keys = ('prob', 'heatmap') if with_heatmap else ('prob', )
        smoothed = {
            key:
            z_smooth(np.stack([pred[key] for pred in preds]), self.z_smooth)
            for key in keys
        }
        return [
            dict(pred, **{key: smoothed[key][z]
                          for key in keys}) for z, pred in enumerate(preds)
        ]

    def _label_slice(self, pred, store, round_name, ratio, tau) -> dict:
        """Select and write the pseudo-labels of one predicted slice
        (:meth:`predict_slice`); returns its ``selection.csv`` row."""
        prob, heatmap, points = pred['prob'], pred['heatmap'], pred['points']
        image, info, predict_s = pred['image'], pred['info'], pred['predict_s']
        full_shape, (h, w) = pred['full_shape'], image.shape
        start = time.perf_counter()
        result = self.selector(
            prob, heatmap=heatmap, points=points, ratio=ratio, tau=tau)
        select_s = time.perf_counter() - start
        label = result.label
        maps = dict(
            label=label,
            det_background=result.det_background.astype(np.uint8) * 255,
            point_instances=result.point_instances.astype(np.uint8) * 255)
        if self.save_visuals:
            maps['overlay'] = overlay(image, label)
            if heatmap is not None:
                hm = heatmap - heatmap.min()
                maps['heatmap'] = (255 * hm / max(hm.max(), 1e-6)).astype(
                    np.uint8)
        full_h, full_w = full_shape
        if (h, w) != (full_h, full_w):  # stored at full resolution
            maps = {
                k: cv2.resize(
                    v, (full_w, full_h), interpolation=cv2.INTER_NEAREST)
                for k, v in maps.items()
            }
        store.write(round_name, info['name'], maps)
        row = dict(name=info['name'])
        row.update({  # the selector's diagnostics (scalars only)
            k: v
            for k, v in result.info.items()
            if isinstance(v, (int, float, str)) or v is None
        })
        row.update(
            fg_fraction=float((label == 1).mean()),
            ignore_fraction=float((label == 255).mean()),
            n_points=len(points),
            predict_s=predict_s,
            select_s=select_s)
        return row

    @staticmethod
    def _write_table(path: str, rows: List[dict]) -> None:
        keys: List[str] = []
        for row in rows:
            keys += [k for k in row if k not in keys]
        with open(path, 'w', newline='') as f:
            writer = csv.DictWriter(f, fieldnames=keys)
            writer.writeheader()
            writer.writerows(rows)
