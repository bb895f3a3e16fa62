"""End to end through the command-line tools on the embedded synthetic
data: train -> checkpoint -> test (masks, overlays, scores) -> resume."""
import csv
import glob
import json
import os
import os.path as osp
import subprocess
import sys

import pytest

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(REPO, 'configs', 'source_only',
                  'source-only_unet-s4-c16_1xb4-2k_synth-192x192.py')
SMALL = [
    'train_dataloader.batch_size=1', 'train_dataloader.num_workers=0',
    'train_dataloader.persistent_workers=False',
    'val_dataloader.num_workers=0', 'default_hooks.checkpoint.interval=2',
    'default_hooks.logger.interval=1'
]


def run(tool, *args, cwd):
    env = dict(os.environ, OMP_NUM_THREADS='1', PYTHONPATH=REPO)
    proc = subprocess.run(
        [sys.executable, osp.join(REPO, 'tools', tool), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc.stdout + proc.stderr


@pytest.fixture(scope='module')
def trained(tmp_path_factory):
    cwd = str(tmp_path_factory.mktemp('run'))
    out = run(
        'train.py',
        CONFIG,
        '--work-dir',
        'wd',
        '--cfg-options',
        'train_cfg.max_iters=4',
        'train_cfg.val_interval=4',
        *SMALL,
        cwd=cwd)
    return cwd, out


def test_train_writes_data_checkpoints_and_scores(trained):
    cwd, log = trained
    assert osp.isfile(osp.join(cwd, 'data/synthetic/manifest.json'))
    assert osp.isfile(
        osp.join(cwd, 'data/synthetic/target/train/points_15pct.json'))
    assert osp.isfile(osp.join(cwd, 'wd/iter_4.pth'))
    assert glob.glob(osp.join(cwd, 'wd/best_Dice_iter_*.pth'))
    summary = glob.glob(osp.join(cwd, 'wd/*/em_seg_summary.json'))
    assert summary
    with open(summary[0]) as f:
        metrics = json.load(f)['metrics']
    assert 0. <= metrics['Dice'] <= 1.
    assert 'Dice:' in log


def test_test_tool_writes_masks_and_overlays(trained):
    cwd, _ = trained
    run('test.py',
        CONFIG,
        'wd/iter_4.pth',
        '--work-dir',
        'wd_test',
        '--out',
        'pred',
        '--cfg-options',
        'test_dataloader.num_workers=0',
        cwd=cwd)
    masks = sorted(os.listdir(osp.join(cwd, 'pred/masks')))
    assert len(masks) == 8  # the synthetic target val split
    assert len(os.listdir(osp.join(cwd, 'pred/overlays'))) == 8
    assert osp.isfile(osp.join(cwd, 'pred/done'))  # written last
    rows = list(
        csv.DictReader(
            open(
                glob.glob(osp.join(cwd,
                                   'wd_test/*/em_seg_per_slice.csv'))[0])))
    assert len(rows) == 8


def test_resume_continues_from_the_checkpoint(trained):
    cwd, _ = trained
    log = run(
        'train.py',
        CONFIG,
        '--work-dir',
        'wd',
        '--resume',
        '--cfg-options',
        'train_cfg.max_iters=6',
        'train_cfg.val_interval=100',
        *SMALL,
        cwd=cwd)
    assert 'resumed' in log.lower()
    assert 'Iter(train) [5/6]' in log and 'Iter(train) [1/6]' not in log
    assert osp.isfile(osp.join(cwd, 'wd/iter_6.pth'))
    # the resumed run's history continues the first one's, numbered on,
    # with the checkpoints' (1-based) iterations
    latest = sorted(glob.glob(osp.join(cwd, 'wd/*/em_seg_history.csv')))[-1]
    rows = list(csv.DictReader(open(latest)))
    assert [(r['evaluation'], r['iter']) for r in rows] == [('0', '4'),
                                                            ('1', '6')]


def test_bad_config_path_is_named(tmp_path):
    env = dict(os.environ, PYTHONPATH=REPO)
    proc = subprocess.run(
        [sys.executable,
         osp.join(REPO, 'tools', 'train.py'), 'nope.py'],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True)
    assert proc.returncode != 0 and 'config not found: nope.py' in proc.stderr


def test_train_terminal_is_quiet_and_ends_with_the_outputs(trained):
    """The config / environment / hook dumps go to the log file only, and
    the run ends by listing where its checkpoint, log and scores are."""
    cwd, out = trained
    assert 'Config:\n' not in out
    assert 'System environment:' not in out
    assert 'Hooks will be executed' not in out
    log_file = sorted(glob.glob(osp.join(cwd, 'wd/*/*.log')))[-1]
    with open(log_file) as f:
        logged = f.read()
    assert 'Config:\n' in logged and 'Hooks will be executed' in logged
    listing = out[out.index('Outputs of this run'):]
    best = glob.glob(osp.join(cwd, 'wd/best_Dice_iter_*.pth'))[0]
    assert best in listing
    assert 'em_seg_per_slice.csv' in listing


def test_verbose_brings_the_dumps_back(tmp_path):
    out = run(
        'train.py',
        CONFIG,
        '--work-dir',
        'wd',
        '--verbose',
        '--cfg-options',
        'train_cfg.max_iters=1',
        'train_cfg.val_interval=1',
        *SMALL,
        cwd=str(tmp_path))
    assert 'Config:\n' in out and 'Hooks will be executed' in out


def test_help_does_not_import_the_models():
    """``--help`` answers before torch / mmseg are imported."""
    code = ('import sys, runpy; sys.argv = ["train.py", "--help"]\n'
            'try:\n'
            '    runpy.run_path("tools/train.py", run_name="__main__")\n'
            'except SystemExit:\n'
            '    pass\n'
            'print("HEAVY" if "mmseg.models" in sys.modules else "LIGHT")')
    proc = subprocess.run([sys.executable, '-c', code],
                          cwd=REPO,
                          capture_output=True,
                          text=True,
                          timeout=60)
    assert proc.stdout.strip().endswith('LIGHT'), proc.stdout + proc.stderr


def test_tta_gain_scores_the_final_checkpoint_with_and_without_tta(
        trained, tmp_path):
    """tools/benchmarks/tta_gain.py on a compare-style run dir: its plain
    column is the final checkpoint's score (the run's last validation, same
    scoring), its TTA column a different prediction, the gain their
    difference, and a seed without a run is named and skipped."""
    from emda.benchmarking.collect import validation_history
    cwd, _ = trained
    stem = osp.splitext(osp.basename(CONFIG))[0]
    os.makedirs(tmp_path / 'wr' / stem)
    os.symlink(osp.join(cwd, 'wd'), tmp_path / 'wr' / stem / 'seed0')
    out = run(
        osp.join('benchmarks', 'tta_gain.py'),
        CONFIG,
        '--work-root',
        str(tmp_path / 'wr'),
        '--seeds',
        '0',
        '1',
        '--out',
        str(tmp_path / 'out'),
        '--jobs',
        '2',
        '--cfg-options',
        'test_dataloader.num_workers=0',
        cwd=cwd)
    assert 'skipped: ' + stem + ' seed1' in out
    with open(tmp_path / 'out' / 'tta_gain.csv') as f:
        rows = list(csv.DictReader(f))
    # the final checkpoint (iter_4, or later once the resume test ran)
    final = osp.basename(open(osp.join(cwd, 'wd', 'last_checkpoint')).read())
    assert len(rows) == 1 and rows[0]['checkpoint'].endswith(final)
    last = validation_history(osp.join(cwd, 'wd'))[-1]
    assert final == f'iter_{last["step"]}.pth'
    plain, tta = float(rows[0]['dice_plain']), float(rows[0]['dice_tta'])
    assert plain == pytest.approx(float(last['Dice']), abs=1e-4)
    assert tta != plain
    assert float(rows[0]['gain']) == pytest.approx(tta - plain, abs=2e-4)
    assert osp.isfile(tmp_path / 'out' / 'tta_gain.png')
    assert '| ' + stem + ' | 0 |' in open(tmp_path / 'out' /
                                          'tta_gain.md').read()
