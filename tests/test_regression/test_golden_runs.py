"""Fixed-seed tiny training runs reproduce committed losses, metrics and
pseudo-labels (issue 12, step 1).

SourceOnly, AdaptSegNet, MeanTeacher, WDANet (source pretraining, a stage-1
and a stage-2 round) and IPL-CFCL (pretraining and two rounds) are trained
on the ``tiny_em`` data with ``tiny_runs.tiny_config`` (one process,
``golden_train.py``). Each run is recorded as

- ``train``: every logged value of every iteration, and ``val``: the
  validation metrics, both from MMEngine's
  ``<work_dir>/<timestamp>/vis_data/scalars.json`` (timings dropped);
- ``pseudo_labels``: shape, dtype and sha256 of the decoded pixels of every
  label, det_background, point_instances and heatmap PNG of every round;

and compared with ``golden/runs_<kernels>.json``: ints, strings and hashes
exactly, floats to a relative 1e-6. ``<kernels>`` is the CPU kernel family
PyTorch dispatches to (``torch.backends.cpu.get_cpu_capability()``: avx2,
avx512): the same run gives float sums in another order with AVX2 than with
AVX512 kernels, so each family has its own record, and a family without one
is skipped with the command that records it. Regenerate on purpose with
``EMDA_UPDATE_GOLDEN=1 pytest tests/test_regression`` (see
docs/user_guides/regression_tests.md).
"""
import glob
import hashlib
import json
import math
import os
import os.path as osp
import subprocess
import sys

import cv2
import pytest

HERE = osp.dirname(osp.abspath(__file__))
REPO = osp.dirname(osp.dirname(HERE))
sys.path.insert(0, osp.join(REPO, 'tests', 'test_distributed'))

from tiny_runs import _is_timing  # noqa: E402


def _kernels() -> str:
    """The CPU kernel family of this machine's PyTorch ('avx2',
    'avx512', ...), the key of its golden record."""
    import torch
    return torch.backends.cpu.get_cpu_capability().lower().replace(' ', '_')


KERNELS = _kernels()
GOLDEN = osp.join(HERE, 'golden', f'runs_{KERNELS}.json')
UPDATE = os.environ.get('EMDA_UPDATE_GOLDEN') == '1'
METHODS = ('source_only', 'adaptsegnet', 'mean_teacher', 'wdanet', 'ipl_cfcl')
PSEUDO_LABELS = ('label', 'det_background', 'point_instances', 'heatmap')
REL_TOL = 1e-6


def _scalars(work_dir: str) -> dict:
    """``train`` and ``val`` rows of the run's ``scalars.json`` by
    iteration (``'<step>'``), without timings and the step counters."""
    paths = glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json'))
    assert len(paths) == 1, paths
    out = dict(train={}, val={})
    with open(paths[0]) as f:
        for line in f:
            row = json.loads(line)
            step = str(row.pop('step'))
            # training rows carry the iteration, validation rows do not
            section = 'train' if row.pop('iter', None) is not None else 'val'
            assert step not in out[section], (work_dir, section, step)
            out[section][step] = {
                k: v
                for k, v in row.items() if not _is_timing(k)
            }
    return out


def _pseudo_labels(work_dir: str) -> dict:
    """``'round_XX/<kind>/<slice>.png'``: ``'<shape> <dtype> <sha256>'``
    of the decoded pixels."""
    out = {}
    root = osp.join(work_dir, 'pseudo_labels')
    for round_dir in sorted(glob.glob(osp.join(root, 'round_*'))):
        for kind in PSEUDO_LABELS:
            for path in sorted(glob.glob(osp.join(round_dir, kind, '*.png'))):
                pixels = cv2.imread(path, cv2.IMREAD_UNCHANGED)
                assert pixels is not None, path
                shape = 'x'.join(str(n) for n in pixels.shape)
                digest = hashlib.sha256(pixels.tobytes()).hexdigest()
                out[osp.relpath(path, root).replace(
                    os.sep, '/')] = (f'{shape} {pixels.dtype} {digest}')
    return out


def record(work_dir: str) -> dict:
    return dict(_scalars(work_dir), pseudo_labels=_pseudo_labels(work_dir))


@pytest.fixture(scope='module')
def runs(tiny_em, tmp_path_factory):
    """Train the five runs (one subprocess: imports paid once) and return
    their records; with ``EMDA_UPDATE_GOLDEN=1`` write them to this
    kernel family's ``golden/runs_<kernels>.json``."""
    if not UPDATE and not osp.exists(GOLDEN):
        pytest.skip(f'no golden runs for {KERNELS} CPU kernels; record them '
                    'with EMDA_UPDATE_GOLDEN=1 pytest tests/test_regression')
    out = str(tmp_path_factory.mktemp('golden_runs'))
    env = dict(
        os.environ,
        OMP_NUM_THREADS='1',
        PYTHONPATH=os.pathsep.join(
            [REPO, osp.join(REPO, 'tests', 'test_distributed')]))
    command = [sys.executable, osp.join(HERE, 'golden_train.py'), tiny_em, out]
    proc = subprocess.run(
        command + list(METHODS),
        cwd=out,
        env=env,
        capture_output=True,
        text=True,
        timeout=400)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    now = {m: record(osp.join(out, m, 'wd')) for m in METHODS}
    if UPDATE:
        with open(GOLDEN, 'w') as f:
            json.dump(now, f, indent=1, sort_keys=True)
            f.write('\n')
    with open(GOLDEN) as f:
        golden = json.load(f)
    return golden, now


def _same(a, b) -> bool:
    """Floats to ``REL_TOL``, everything else (ints, strings, a changed
    type) exactly."""
    if type(a) is float and type(b) is float:
        return math.isclose(a, b, rel_tol=REL_TOL, abs_tol=0.)
    return type(a) is type(b) and a == b


def _series_diff(section: str, golden: dict, now: dict) -> list:
    """``(iteration, message)`` of each key's first differing iteration."""
    steps = sorted(set(golden) | set(now), key=int)
    first = {}
    for step in steps:
        if step not in golden or step not in now:
            first.setdefault(
                '<row>',
                (int(step), f'{section} iteration {step}: ' +
                 ('new row' if step not in golden else 'row missing')))
            continue
        g, n = golden[step], now[step]
        for key in sorted(set(g) | set(n)):
            if key in first:
                continue
            if key not in n:
                msg = f'missing (golden {g[key]!r})'
            elif key not in g:
                msg = f'new key (now {n[key]!r})'
            elif not _same(g[key], n[key]):
                msg = f'golden {g[key]!r}, now {n[key]!r}'
            else:
                continue
            first[key] = (int(step), f'{section} {key!r} first diverged at '
                          f'iteration {step}: {msg}')
    return sorted(first.values())


def _pseudo_label_diff(golden: dict, now: dict) -> list:
    lines = []
    for name in sorted(set(golden) | set(now)):
        if name not in now:
            lines.append(f'pseudo-label {name}: missing')
        elif name not in golden:
            lines.append(f'pseudo-label {name}: new')
        elif golden[name] != now[name]:
            lines.append(f'pseudo-label {name}: golden {golden[name]}, '
                         f'now {now[name]}')
    return lines


def run_diff(golden: dict, now: dict) -> list:
    """Messages naming each differing key or file, earliest first."""
    lines = []
    for section in ('train', 'val'):
        lines += [
            m for _, m in _series_diff(section, golden.get(section, {}),
                                       now.get(section, {}))
        ]
    lines += _pseudo_label_diff(
        golden.get('pseudo_labels', {}), now.get('pseudo_labels', {}))
    return lines


@pytest.mark.parametrize('method', METHODS)
def test_golden_run(runs, method):
    golden, now = runs
    assert method in golden, (f'{method}: no golden run (EMDA_UPDATE_GOLDEN=1 '
                              'to add it)')
    lines = run_diff(golden[method], now[method])
    assert not lines, (
        f'run {method} differs from {osp.relpath(GOLDEN, REPO)} '
        '(EMDA_UPDATE_GOLDEN=1 to accept):\n' + '\n'.join(lines[:12]) +
        (f'\n(+{len(lines) - 12} more)' if len(lines) > 12 else ''))


def test_runs_cover_every_stage_and_round(runs):
    """What the golden runs claim to pin: every iteration logged, the
    stage switches and pseudo-labels of both rounds."""
    _, now = runs
    for method, iters in dict(
            source_only=4, adaptsegnet=4, mean_teacher=4, wdanet=6,
            ipl_cfcl=6).items():
        assert sorted(
            now[method]['train'],
            key=int) == [str(i) for i in range(1, iters + 1)], method
        assert now[method]['val'], method
        assert all('Dice' in v for v in now[method]['val'].values()), method
    assert 'adv.loss_d_tgt' in now['adaptsegnet']['train']['4']
    assert now['mean_teacher']['train']['4']['tgt.pl_confident_fraction'] > 0
    wdanet, ipl = now['wdanet']['train'], now['ipl_cfcl']['train']
    assert 'tgt.loss_rank' in wdanet['3'] and 'tgt.loss_seg' not in wdanet['3']
    assert 'tgt.loss_seg' in wdanet['5']
    assert 'tgt.loss_con' in ipl['3'] and 'tgt.loss_seg' not in ipl['3']
    assert 'tgt.loss_seg' in ipl['5']
    for method in ('wdanet', 'ipl_cfcl'):
        names = now[method]['pseudo_labels']
        for round_name in ('round_01', 'round_02'):
            for kind in PSEUDO_LABELS:
                assert sum(
                    n.startswith(f'{round_name}/{kind}/')
                    for n in names) == 4, (method, round_name, kind)


def test_the_comparison_names_the_first_diverging_iteration():
    golden = dict(
        train={
            '1': dict(loss=1.0, n=2),
            '2': dict(loss=2.0, n=2)
        },
        val={'2': dict(Dice=0.5)},
        pseudo_labels={'round_01/label/z000.png': '4x4 uint8 aa'})
    now = json.loads(json.dumps(golden))
    assert run_diff(golden, now) == []
    now['train']['1']['loss'] = 1.0 + 1e-8  # within the tolerance
    assert run_diff(golden, now) == []
    now['train']['2']['loss'] = 2.1
    now['train']['2']['n'] = 3
    now['pseudo_labels']['round_01/label/z000.png'] = '4x4 uint8 bb'
    lines = run_diff(golden, now)
    assert lines[0].startswith("train 'loss' first diverged at iteration 2")
    assert lines[1].startswith("train 'n' first diverged at iteration 2")
    assert lines[2].startswith('pseudo-label round_01/label/z000.png')
    assert len(lines) == 3
