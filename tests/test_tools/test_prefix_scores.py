"""tools/benchmarks/prefix_scores.py: a longer run's prefix scored as the
shorter config's run (final = the validation at ITER, oracle = the best up
to ITER, never a later one)."""
import json
import os
import os.path as osp
import sys

import pytest

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, osp.join(REPO, 'tools', 'benchmarks'))
from prefix_scores import main  # noqa: E402


def fake_run(root, name, dice_by_step):
    folder = osp.join(root, name, '20260101_000000', 'vis_data')
    os.makedirs(folder)
    with open(osp.join(folder, 'scalars.json'), 'w') as f:
        for step, dice in dice_by_step.items():
            f.write(
                json.dumps(
                    dict(
                        step=step,
                        Dice=dice,
                        Jaccard=dice / 2,
                        AJI=dice / 3,
                        PQ=dice / 4)) + '\n')
            f.write(json.dumps(dict(step=step, loss=1.0)) + '\n')
    return osp.join(root, name)


def test_prefix_ignores_later_validations(tmp_path):
    a = fake_run(
        str(tmp_path), 'a', {
            1000: 0.6,
            2000: 0.8,
            3000: 0.7,
            3200: 0.95
        })
    b = fake_run(str(tmp_path), 'b', {1000: 0.5, 2000: 0.6, 3000: 0.9})
    rows, summary = main(
        [a, b, '--at', '3000', '--out',
         str(tmp_path / 'out')])
    assert [r['final_Dice'] for r in rows] == [0.7, 0.9]
    # the 0.95 at 3200 lies beyond the prefix
    assert [r['oracle_Dice'] for r in rows] == [0.8, 0.9]
    assert [r['oracle_iter'] for r in rows] == [2000, 3000]
    assert summary['final_Dice'] == '0.800 ± 0.141'
    assert osp.isfile(tmp_path / 'out.md') and osp.isfile(tmp_path / 'out.csv')


def test_a_run_that_has_not_reached_iter_is_refused(tmp_path):
    a = fake_run(str(tmp_path), 'a', {1000: 0.6, 2000: 0.8})
    with pytest.raises(SystemExit, match='no validation at iteration 3000'):
        main([a, '--at', '3000', '--out', str(tmp_path / 'out')])
