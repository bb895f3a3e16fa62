"""Per-slice EM segmentation metric: Dice, Jaccard, AJI, PQ, volume Dice/IoU.

Scores are computed per slice (image) and averaged, as the mitochondria
literature reports them; pixel counts are also summed over all slices for
the volume-level Dice/IoU. The per-slice table, a summary and a history of
all evaluations of the run are written next to the run's log so that a
person can inspect which slices fail and how validation evolved.
"""
import csv
import io
import json
import os
import os.path as osp
from typing import Dict, List, Optional, Sequence

import numpy as np
import torch
from mmengine.evaluator import BaseMetric
from mmengine.logging import MessageHub, MMLogger, print_log

from emda.evaluation.functional import (binary_counts, dice_from_counts,
                                        jaccard_from_counts, slice_scores)
from emda.registry import METRICS
from emda.utils.atomic_files import write_text_atomic

PER_SLICE_FILE = 'em_seg_per_slice.csv'
SUMMARY_FILE = 'em_seg_summary.json'
HISTORY_FILE = 'em_seg_history.csv'
#: message-hub key (saved in checkpoints) of the run's current history file
HISTORY_INFO = 'em_seg_history_file'

# result key in ``self.results`` -> reported metric name
SLICE_SCORES = {'dice': 'Dice', 'jaccard': 'Jaccard', 'aji': 'AJI', 'pq': 'PQ'}
METRIC_NAMES = list(SLICE_SCORES.values()) + ['vol_Dice', 'vol_IoU']


def _to_numpy(data) -> np.ndarray:
    if isinstance(data, torch.Tensor):
        return data.detach().cpu().numpy()
    return np.asarray(data)


def _csv_text(rows: Sequence[Sequence]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator='\n').writerows(rows)
    return buffer.getvalue()


def _resumed_rows(previous: Optional[str], path: str,
                  iteration: Optional[int]) -> List[list]:
    """Rows of the history ``previous`` that a resumed run continues (a
    file other than ``path``), those before ``iteration``: later rows come
    from the interrupted part that is being redone."""
    if not previous or osp.abspath(previous) == osp.abspath(path) \
            or not osp.isfile(previous):
        return []
    with open(previous, newline='') as f:
        rows = list(csv.reader(f))[1:]
    if iteration is None:
        return rows
    return [r for r in rows if r[1].isdigit() and int(r[1]) < iteration]


@METRICS.register_module()
class EMSegMetric(BaseMetric):
    """Binary mitochondria segmentation metric as the EM field reports it.

    Foreground is ``softmax(seg_logits)[1] >= threshold`` when the sample
    carries ``seg_logits`` (2 x H x W; a 1-channel map is read as a sigmoid
    logit), else ``pred_sem_seg == 1``. Ground truth must hold only 0, 1 and
    ``ignore_index``; ignored pixels are excluded from every score.

    Reported (plain Python floats in [0, 1]): the per-slice means ``Dice``,
    ``Jaccard``, ``AJI``, ``PQ`` and the volume-level ``vol_Dice``,
    ``vol_IoU`` from pixel counts summed over all slices. See
    :mod:`emda.evaluation.functional.seg_scores` for the definitions and
    the empty-slice conventions (both empty -> 1.0, one empty -> 0.0).

    Files (each evaluation overwrites the first two and appends to the
    third): ``em_seg_per_slice.csv``, ``em_seg_summary.json`` and
    ``em_seg_history.csv``, written to ``output_dir``, else to the
    directory of the current ``MMLogger``'s log file (the run's
    ``work_dir/<timestamp>/``), else nowhere. The history's ``iter`` is the
    number of training iterations done (1-based, as in ``iter_100.pth``).
    A resumed run's history starts with the rows of the run it resumes
    (those before the resumed iteration; the checkpoint names that file),
    so evaluations are numbered on. Files are written by rank 0 only
    (MMEngine computes metrics there).

    Args:
        threshold (float): Foreground probability threshold. Default 0.5.
        ignore_index (int): Ground-truth value to ignore. Default 255.
        output_dir (str, optional): Where to write the files. Default None.
        prefix (str, optional): Prefix of the metric names. Default None.
        collect_device (str): Device to collect results across ranks.
            Default 'cpu'.
    """

    def __init__(self,
                 threshold: float = 0.5,
                 ignore_index: int = 255,
                 output_dir: Optional[str] = None,
                 prefix: Optional[str] = None,
                 collect_device: str = 'cpu') -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if not 0.0 <= threshold <= 1.0:
            raise ValueError(f'threshold must be in [0, 1], got {threshold}')
        if ignore_index in (0, 1):
            raise ValueError(f'ignore_index must not be a class label (0 or '
                             f'1), got {ignore_index}')
        self.threshold = threshold
        self.ignore_index = ignore_index
        self.output_dir = output_dir
        self._num_evaluations = 0
        # recorded before the first checkpoint: a run resumed from any of
        # its checkpoints finds the history it continues (see _write_files)
        out_dir = self._resolve_output_dir()
        if out_dir is not None:
            MessageHub.get_current_instance().update_info(
                HISTORY_INFO, osp.abspath(osp.join(out_dir, HISTORY_FILE)))

    def _foreground(self, data_sample: dict, name: str) -> np.ndarray:
        """(H, W) bool foreground of one predicted sample."""
        if 'seg_logits' in data_sample:
            logits = torch.as_tensor(data_sample['seg_logits']['data'])
            logits = logits.detach().float().cpu()
            if logits.ndim != 3 or logits.shape[0] not in (1, 2):
                raise ValueError(f'seg_logits of {name} must be (2, H, W) '
                                 f'(or (1, H, W)), got {tuple(logits.shape)}')
            if logits.shape[0] == 2:
                prob_fg = torch.softmax(logits, dim=0)[1]
            else:
                prob_fg = torch.sigmoid(logits[0])
            return (prob_fg >= self.threshold).numpy()
        pred = _to_numpy(data_sample['pred_sem_seg']['data'])
        if pred.ndim == 3 and pred.shape[0] == 1:
            pred = pred[0]
        return pred == 1

    def _ground_truth(self, data_sample: dict, name: str):
        """(H, W) bool foreground and ignore masks of one sample."""
        gt = _to_numpy(data_sample['gt_sem_seg']['data'])
        if gt.ndim == 3 and gt.shape[0] == 1:
            gt = gt[0]
        if gt.ndim != 2:
            raise ValueError(f'gt_sem_seg of {name} must be (1, H, W), got '
                             f'{gt.shape}')
        ignore = gt == self.ignore_index
        fg = gt == 1
        bad = ~(fg | ignore | (gt == 0))
        if bad.any():
            values = np.unique(gt[bad])[:5].tolist()
            raise ValueError(
                f'ground truth of {name} has label values {values}; expected '
                f'only 0 (background), 1 (mitochondria) and '
                f'{self.ignore_index} (ignore). Binarize 0/255 masks on load.')
        return fg, ignore

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        """Score each slice of the batch and keep one row per slice."""
        for data_sample in data_samples:
            img_path = data_sample.get('img_path')
            name = (
                osp.basename(img_path)
                if img_path else f'slice_{len(self.results)}')
            described = repr(img_path) if img_path else name
            pred = self._foreground(data_sample, described)
            gt, ignore = self._ground_truth(data_sample, described)
            if pred.shape != gt.shape:
                raise ValueError(f'prediction {pred.shape} and ground truth '
                                 f'{gt.shape} of {described} differ in shape')
            row = dict(name=name, img_path=img_path or '')
            row.update(slice_scores(pred, gt, ignore))
            row.update(
                zip(('tp', 'fp', 'fn'), binary_counts(pred, gt, ignore)))
            self.results.append(row)

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        """Average the slice scores, sum the volume counts, write files."""
        if not results:
            raise ValueError('EMSegMetric received no slices: is the '
                             'evaluation dataloader empty?')
        metrics = {
            reported: float(np.mean([r[key] for r in results]))
            for key, reported in SLICE_SCORES.items()
        }
        volume = {
            k: int(sum(r[k] for r in results))
            for k in ('tp', 'fp', 'fn')
        }
        metrics['vol_Dice'] = dice_from_counts(**volume)
        metrics['vol_IoU'] = jaccard_from_counts(**volume)
        out_dir = self._resolve_output_dir()
        if out_dir is not None:
            self._write_files(out_dir, results, metrics, volume)
        self._num_evaluations += 1
        return metrics

    def _resolve_output_dir(self) -> Optional[str]:
        """``output_dir``, else the current run's log directory, else None."""
        if self.output_dir:
            return self.output_dir
        log_file = getattr(MMLogger.get_current_instance(), 'log_file', None)
        return osp.dirname(osp.abspath(log_file)) if log_file else None

    def _write_files(self, out_dir: str, results: List[dict],
                     metrics: Dict[str, float], volume: Dict[str,
                                                             int]) -> None:
        os.makedirs(out_dir, exist_ok=True)
        hub = MessageHub.get_current_instance()
        # the hub holds the 0-based index of the last training iteration
        iteration = hub.get_info('iter')
        iteration = None if iteration is None else int(iteration) + 1
        slice_columns = ['name', *SLICE_SCORES, 'tp', 'fp', 'fn', 'img_path']
        write_text_atomic(
            osp.join(out_dir, PER_SLICE_FILE),
            _csv_text([slice_columns] + [[r[c] for c in slice_columns]
                                         for r in results]))
        summary = dict(
            metrics=metrics,
            num_slices=len(results),
            volume_counts=volume,
            evaluation=self._num_evaluations,
            iter=iteration,
            threshold=self.threshold,
            ignore_index=self.ignore_index)
        write_text_atomic(
            osp.join(out_dir, SUMMARY_FILE), json.dumps(summary, indent=2))
        # Appended by rewriting the whole (small) file, to stay atomic.
        history_path = osp.join(out_dir, HISTORY_FILE)
        header = ['evaluation', 'iter', 'num_slices', *METRIC_NAMES]
        history = ''
        if osp.exists(history_path):
            with open(history_path, newline='') as f:
                history = f.read()
            if history and not history.endswith('\n'):
                history += '\n'
        else:
            carried = _resumed_rows(
                hub.get_info(HISTORY_INFO), history_path, iteration)
            if carried:
                history = _csv_text([header] + carried)
                self._num_evaluations = len(carried)
        row = [
            self._num_evaluations, '' if iteration is None else iteration,
            len(results), *[metrics[k] for k in METRIC_NAMES]
        ]
        new_lines = _csv_text([row] if history else [header, row])
        write_text_atomic(history_path, history + new_lines)
        hub.update_info(HISTORY_INFO, osp.abspath(history_path))
        print_log(
            f'EMSegMetric: per-slice scores and summary written to '
            f'{out_dir}',
            logger='current')
