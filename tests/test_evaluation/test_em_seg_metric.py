import csv
import json
from collections import OrderedDict

import numpy as np
import pytest
import torch
from mmengine.evaluator import Evaluator
from mmengine.logging import MessageHub, MMLogger
from mmengine.registry import DefaultScope
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

import emda.registry  # noqa: F401  (the 'emda' scope must exist)
from emda.evaluation.metrics import EMSegMetric


def _sample(gt, pred=None, logits=None, img_path='slice.png'):
    sample = SegDataSample()
    sample.set_metainfo(dict(img_path=img_path))
    sample.gt_sem_seg = PixelData(data=torch.as_tensor(gt)[None])
    if pred is None:
        pred = np.zeros_like(gt)
    sample.pred_sem_seg = PixelData(data=torch.as_tensor(pred)[None])
    if logits is not None:
        sample.seg_logits = PixelData(data=torch.as_tensor(logits))
    return sample.to_dict()


def _hand_slice():
    """Dice 16/30, Jaccard 8/22, AJI 8/22, PQ 0.3; tp 8, fp 10, fn 4."""
    gt = np.zeros((6, 10), np.uint8)
    gt[0:2, 0:4] = 1
    gt[4:6, 0:2] = 1
    pred = np.zeros((6, 10), np.uint8)
    pred[0:2, 0:3] = 1
    pred[4:6, 1:4] = 1
    pred[0:2, 7:10] = 1
    return gt, pred


def _perfect_slice_with_ignore():
    """Perfect after ignoring a false positive; tp 4, fp 0, fn 0."""
    gt = np.zeros((6, 10), np.uint8)
    gt[1:3, 1:3] = 1
    gt[4:6, 6:10] = 255
    pred = gt.copy()
    pred[4:6, 6:10] = 1
    return gt, pred


@pytest.fixture
def isolated_mm_state(monkeypatch):
    """Own MMLogger/MessageHub instances, restored after the test."""
    monkeypatch.setattr(MMLogger, '_instance_dict', OrderedDict())
    monkeypatch.setattr(MessageHub, '_instance_dict', OrderedDict())


def _read_csv(path):
    with open(path, newline='') as f:
        return list(csv.DictReader(f))


def test_evaluator_from_config_writes_files(tmp_path, isolated_mm_state):
    MessageHub.get_instance('em_seg_test').update_info('iter', 42)
    with DefaultScope.overwrite_default_scope('emda'):
        evaluator = Evaluator(dict(type='EMSegMetric', output_dir=tmp_path))
    assert isinstance(evaluator.metrics[0], EMSegMetric)
    samples = [
        _sample(*_hand_slice(), img_path='/data/a/im000.png'),
        _sample(*_perfect_slice_with_ignore(), img_path='/data/a/im001.png')
    ]
    for evaluation in range(2):
        evaluator.process(samples)
        metrics = evaluator.evaluate(len(samples))
    expected = dict(
        Dice=(16 / 30 + 1) / 2,
        Jaccard=(8 / 22 + 1) / 2,
        AJI=(8 / 22 + 1) / 2,
        PQ=(0.3 + 1) / 2,
        vol_Dice=2 * 12 / (2 * 12 + 10 + 4),
        vol_IoU=12 / (12 + 10 + 4))
    assert metrics == pytest.approx(expected)
    assert all(type(v) is float for v in metrics.values())

    rows = _read_csv(tmp_path / 'em_seg_per_slice.csv')
    assert [r['name'] for r in rows] == ['im000.png', 'im001.png']
    assert float(rows[0]['pq']) == pytest.approx(0.3)
    assert [int(rows[0][k]) for k in ('tp', 'fp', 'fn')] == [8, 10, 4]
    summary = json.loads((tmp_path / 'em_seg_summary.json').read_text())
    assert summary['metrics'] == pytest.approx(expected)
    assert summary['num_slices'] == 2
    history = _read_csv(tmp_path / 'em_seg_history.csv')
    assert [int(r['evaluation']) for r in history] == [0, 1]
    # 1-based: the hub holds the 0-based index of the last iteration
    assert [int(r['iter']) for r in history] == [43, 43]
    assert float(history[1]['Jaccard']) == pytest.approx(expected['Jaccard'])
    assert not list(tmp_path.glob('.*'))  # no temporary files left behind


def test_logits_are_thresholded_on_softmax_probability():
    gt = np.zeros((2, 4), np.uint8)
    gt[:, :2] = 1
    p_fg = np.array([[0.9, 0.6, 0.6, 0.1]] * 2, np.float32)
    logits = np.stack([np.zeros_like(p_fg), np.log(p_fg / (1 - p_fg))])
    # pred_sem_seg says everything is fg; the logits must win
    sample = _sample(gt, pred=np.ones_like(gt), logits=logits)
    dices = {}
    for threshold in (0.5, 0.7):
        metric = EMSegMetric(threshold=threshold, output_dir=None)
        metric.process({}, [sample])
        dices[threshold] = metric.results[0]['dice']
    # 0.5: fg = cols 0-2, tp 4, fp 2 -> 8 / 10 ; 0.7: fg = col 0 -> 4 / 6
    assert dices == pytest.approx({0.5: 0.8, 0.7: 4 / 6})


def test_pred_sem_seg_used_without_logits():
    gt, pred = _hand_slice()
    metric = EMSegMetric()
    metric.process({}, [_sample(gt, pred=pred)])
    assert metric.results[0]['aji'] == pytest.approx(8 / 22)


def test_empty_prediction_label_and_both():
    empty = np.zeros((4, 4), np.uint8)
    full = empty.copy()
    full[1:3, 1:3] = 1
    metric = EMSegMetric()
    metric.process({}, [
        _sample(full, pred=empty),
        _sample(empty, pred=full),
        _sample(empty, pred=empty)
    ])
    assert [r['dice'] for r in metric.results] == [0.0, 0.0, 1.0]
    assert [r['pq'] for r in metric.results] == [0.0, 0.0, 1.0]


def test_bad_label_names_the_image():
    gt = np.zeros((4, 4), np.uint8)
    gt[0, 0] = 2
    metric = EMSegMetric()
    with pytest.raises(ValueError, match=r'im042\.png.*\[2\]'):
        metric.process({}, [_sample(gt, img_path='/data/im042.png')])


def test_output_dir_follows_the_run_log(tmp_path, isolated_mm_state):
    gt, pred = _hand_slice()
    log_dir = tmp_path / 'work_dir' / '20240101_000000'
    log_dir.mkdir(parents=True)
    logger = MMLogger.get_instance(
        'em_seg_run', log_file=str(log_dir / '20240101_000000.log'))
    try:
        metric = EMSegMetric()
        metric.process({}, [_sample(gt, pred=pred)])
        metric.evaluate(1)
        assert (log_dir / 'em_seg_per_slice.csv').is_file()
        assert (log_dir / 'em_seg_summary.json').is_file()
        assert (log_dir / 'em_seg_history.csv').is_file()
    finally:
        for handler in logger.handlers:
            handler.close()
    # a logger without a log file: scores are returned, nothing is written
    MMLogger.get_instance('em_seg_no_file')
    metric = EMSegMetric()
    metric.process({}, [_sample(gt, pred=pred)])
    before = sorted(tmp_path.rglob('*'))
    assert metric.evaluate(1)['PQ'] == pytest.approx(0.3)
    assert sorted(tmp_path.rglob('*')) == before


def test_bad_arguments_and_empty_evaluation():
    with pytest.raises(ValueError, match='threshold'):
        EMSegMetric(threshold=1.5)
    with pytest.raises(ValueError, match='ignore_index'):
        EMSegMetric(ignore_index=1)
    with pytest.raises(ValueError, match='no slices'):
        EMSegMetric().compute_metrics([])
