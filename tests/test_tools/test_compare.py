"""The compare tool (``emda.tools.compare`` over ``emda.benchmarking``):
suites, metafile entries, run planning and execution, and the table / CSV /
chart built from fixture work_dirs with a failed run; one end-to-end run of
the CLI on the synthetic pair. The expected tables are those the tool wrote
before it became a package (it read ``em_seg_history.csv`` then, MMEngine's
``vis_data/scalars.json`` now)."""
import csv
import importlib.util
import json
import os
import os.path as osp
import subprocess
import sys

import pytest

from emda.benchmarking import collect, run
from emda.benchmarking.collect import RunResult, aggregate
from emda.benchmarking.plan import (ConfigInfo, describe_config, expand_suite,
                                    schedule_end_options, select_configs,
                                    train_options)
from emda.tools.compare import main

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = osp.join(REPO, 'configs')
SOURCE_ONLY = osp.join(CONFIGS, 'source_only',
                       'source-only_unet-s4-c16_1xb4-2k_synth-192x192.py')
SUPERVISED = osp.join(CONFIGS, 'supervised',
                      'supervised_unet-s4-c16_1xb4-2k_synth-192x192.py')
ADAPTSEGNET = osp.join(CONFIGS, 'adaptsegnet',
                       'adaptsegnet_unet-s4-c16_1xb4-2k_synth-192x192.py')
TRACEBACK = """\
Traceback (most recent call last):
  File "emda/tools/train.py", line 99, in main
    runner.train()
ValueError: EMSegMetric received no slices: is the evaluation dataloader empty?
"""


def stem(path):
    return osp.splitext(osp.basename(path))[0]


def write_scalars(folder, rows):
    """MMEngine's ``vis_data/scalars.json`` of one log folder: a training
    record, then one validation record per (step, Dice, Jaccard, AJI, PQ)
    row, ``step`` being the iterations done."""
    os.makedirs(osp.join(folder, 'vis_data'))
    with open(osp.join(folder, 'vis_data', 'scalars.json'), 'w') as f:
        f.write(json.dumps(dict(loss=0.5, lr=1e-3, iter=5, step=5)) + '\n')
        for step, *scores in rows:
            record = dict(zip(collect.METRICS, scores), step=step)
            f.write(json.dumps(dict(record, vol_Dice=0.5, time=0.2)) + '\n')


def write_run(root, config, seed, history, wall_s=None, exit_code=0, log=''):
    """A finished compare run: ``run_info.json``, ``run.log`` and one
    ``vis_data/scalars.json`` per timestamped folder (``history`` maps the
    folder to its (step, Dice, Jaccard, AJI, PQ) rows)."""
    run_dir = osp.join(root, stem(config), f'seed{seed}')
    os.makedirs(run_dir)
    for timestamp, rows in history.items():
        write_scalars(osp.join(run_dir, timestamp), rows)
    with open(osp.join(run_dir, 'run.log'), 'w') as f:
        f.write(log)
    info = dict(
        config=config,
        seed=seed,
        status='done' if exit_code == 0 else 'failed',
        exit_code=exit_code,
        wall_s=wall_s)
    with open(osp.join(run_dir, 'run_info.json'), 'w') as f:
        json.dump(info, f)
    return run_dir


@pytest.fixture
def work_root(tmp_path):
    """SourceOnly and Supervised over seeds 0 and 1, AdaptSegNet failed."""
    root = str(tmp_path / 'compare')
    write_run(
        root,
        SOURCE_ONLY,
        0, {
            '20240101_000000': [(250, .40, .25, .20, .10),
                                (500, .50, .33, .29, .12),
                                (750, .45, .30, .25, .11)]
        },
        wall_s=420)
    # resumed once: the best row is in the second log folder
    write_run(
        root,
        SOURCE_ONLY,
        1, {
            '20240101_000000': [(250, .30, .20, .15, .05)],
            '20240102_000000': [(500, .54, .37, .31, .14)]
        },
        wall_s=480)
    write_run(
        root, SUPERVISED, 0, {'ts': [(500, .97, .94, .93, .80)]}, wall_s=600)
    write_run(
        root, SUPERVISED, 1, {'ts': [(500, .95, .90, .91, .78)]}, wall_s=660)
    write_run(
        root,
        ADAPTSEGNET,
        0, {},
        wall_s=12,
        exit_code=1,
        log='loading...\n' + TRACEBACK)
    return root


def read_csv(path):
    with open(path, newline='') as f:
        return list(csv.DictReader(f))


def test_collect_builds_table_with_failed_run(work_root, tmp_path):
    out = str(tmp_path / 'out')
    main(['--collect-only', '--work-root', work_root, '--out', out])
    rows = {r['config']: r for r in read_csv(osp.join(out, 'results.csv'))}
    assert list(next(iter(rows.values()))) == [
        'method', 'config', 'config_path', 'target_supervision', 'n_seeds',
        'n_runs', 'seeds', 'Dice_mean', 'Dice_std', 'Jaccard_mean',
        'Jaccard_std', 'AJI_mean', 'AJI_std', 'PQ_mean', 'PQ_std',
        'label_free_Dice_mean', 'label_free_Dice_std', 'wall_min_mean',
        'status', 'error'
    ]
    source_only = rows[stem(SOURCE_ONLY)]
    # best-Dice row of each seed: (.50, .33, .29, .12) and (.54, .37, .31,
    # .14); sample std of two values a, b is |a - b| / sqrt(2). SourceOnly
    # chooses no weights by target labels: its label-free Dice is the last
    # validation's (.45 and .54)
    expected = dict(
        label_free_Dice_mean=0.495,
        label_free_Dice_std=0.06364,
        Dice_mean=0.52,
        Dice_std=0.028284,
        Jaccard_mean=0.35,
        Jaccard_std=0.028284,
        AJI_mean=0.30,
        AJI_std=0.014142,
        PQ_mean=0.13,
        PQ_std=0.014142,
        wall_min_mean=7.5)
    for key, value in expected.items():
        assert float(source_only[key]) == pytest.approx(value, abs=1e-6)
    assert source_only['method'] == 'SourceOnly'
    assert source_only['target_supervision'] == 'none (source only)'
    assert (source_only['n_seeds'], source_only['seeds']) == ('2', '0 1')
    assert source_only['status'] == 'ok' and source_only['error'] == ''
    supervised = rows[stem(SUPERVISED)]
    assert float(supervised['Dice_mean']) == pytest.approx(0.96)
    assert float(supervised['wall_min_mean']) == pytest.approx(10.5)
    assert supervised['target_supervision'] == 'full labels'

    failed = rows[stem(ADAPTSEGNET)]
    assert failed['status'] == 'failed'
    assert failed['n_seeds'] == '0' and failed['Dice_mean'] == ''
    assert failed['error'] == ('seed0: ValueError: EMSegMetric received no '
                               'slices: is the evaluation dataloader empty?')

    markdown = open(osp.join(out, 'results.md')).read()
    assert ('| SourceOnly | source-only_unet-s4-c16_1xb4-2k_synth-192x192 | '
            'none (source only) | 2 | 0.520 ± 0.028 | 0.350 ± 0.028 | '
            '0.300 ± 0.014 | 0.130 ± 0.014 | 0.495 ± 0.064 | 7.5 | ok |'
            ) in markdown
    assert ('| AdaptSegNet | adaptsegnet_unet-s4-c16_1xb4-2k_synth-192x192 | '
            'none (UDA) | 0 of 1 | - | - | - | - | - | - | failed: seed0: '
            'ValueError: EMSegMetric received no slices') in markdown

    runs = read_csv(osp.join(out, 'runs.csv'))
    assert len(runs) == 5
    best = [r for r in runs if r['config'] == stem(SOURCE_ONLY)]
    assert [r['best_iter'] for r in best] == ['500', '500']
    for chart in ('results.png', 'curves.png'):
        with open(osp.join(out, chart), 'rb') as f:
            assert f.read(8) == b'\x89PNG\r\n\x1a\n'


def test_validation_history_merges_resumed_logs(tmp_path):
    """Validations of every log folder's ``scalars.json`` (a resumed run
    has two), in iteration order; one repeated after a resume counts once
    (the latest folder's); training records are not validations."""
    run_dir = write_run(
        str(tmp_path), SOURCE_ONLY, 0, {
            '20240101_000000': [(250, .30, .2, .1, .1),
                                (500, .40, .2, .1, .1)],
            '20240102_000000': [(500, .45, .2, .1, .1),
                                (750, .50, .2, .1, .1)],
            '20231231_000000': [(100, .10, .1, .1, .1)]
        })
    history = collect.validation_history(run_dir)
    assert [(r['step'], r['Dice']) for r in history] == [(100, .1), (250, .3),
                                                         (500, .45), (750, .5)]
    assert collect.best_validation(run_dir)['step'] == 750


def test_resumed_run_is_one_row(tmp_path):
    """A run killed after its validation at 500 and resumed from the
    ``iter_500`` checkpoint: the second log folder redoes nothing before 500
    and validates at 750 and 1000; collect reports the run's best over both
    folders (500, in the first), its wall time and its curve over both."""
    root = str(tmp_path / 'wr')
    run_dir = write_run(
        root,
        SOURCE_ONLY,
        0, {
            '20240101_000000': [(250, .50, .4, .3, .2),
                                (500, .70, .6, .5, .4)],
            '20240101_120000': [(750, .60, .5, .4, .3),
                                (1000, .65, .5, .4, .3)]
        },
        wall_s=900)
    # a line cut short when the first attempt was killed is skipped
    with open(
            osp.join(run_dir, '20240101_000000', 'vis_data', 'scalars.json'),
            'a') as f:
        f.write('{"loss": 0.4, "st')
    out = str(tmp_path / 'out')
    rows = main(['--collect-only', '--work-root', root, '--out', out])
    assert (rows[0]['n_seeds'], rows[0]['Dice_mean']) == (1, .70)
    assert rows[0]['wall_min_mean'] == pytest.approx(15.0)
    runs = read_csv(osp.join(out, 'runs.csv'))
    assert (runs[0]['best_iter'], runs[0]['Dice']) == ('500', '0.7')
    assert [r['step'] for r in collect.validation_history(run_dir)
            ] == [250, 500, 750, 1000]


def test_collect_selected_configs_and_seeds(work_root, tmp_path):
    """One seed: the mean alone, no std; a missing seed is left out."""
    rows = main([
        SOURCE_ONLY, '--collect-only', '--work-root', work_root, '--seeds',
        '0', '7', '--out',
        str(tmp_path)
    ])
    assert len(rows) == 1 and rows[0]['n_seeds'] == 1
    assert rows[0]['Dice_mean'] == pytest.approx(0.50)
    assert rows[0]['Dice_std'] is None
    markdown = open(tmp_path / 'results.md').read()
    assert '| 1 | 0.500 | 0.330 | 0.290 | 0.120 | 0.450 | 7.0 | ok |' in markdown


def test_partial_failure_and_missing_metrics(tmp_path):
    root = str(tmp_path)
    write_run(root, SOURCE_ONLY, 0, {'ts': [(100, .6, .5, .4, .3)]}, 60)
    write_run(root, SOURCE_ONLY, 1, {}, 60)  # exit 0 but no validation
    rows = main(['--collect-only', '--work-root', root])
    assert rows[0]['status'] == 'partial'
    assert rows[0]['error'] == ('seed1: no validation metrics '
                                '(no Dice in vis_data/scalars.json)')
    assert '| 1 of 2 | 0.600 |' in open(tmp_path / 'results.md').read()
    assert '1 failed: seed1: no validation' in open(tmp_path /
                                                    'results.md').read()


def test_collect_plain_train_work_dir(tmp_path):
    """A ``tools/train.py`` work_dir (no seed folders, no run_info) is one
    run without wall time."""
    run_dir = write_run(
        str(tmp_path), SUPERVISED, 0, {'ts': [(100, .9, .8, .7, .6)]})
    os.remove(osp.join(run_dir, 'run_info.json'))
    work_dir = osp.join(str(tmp_path), 'plain')
    os.makedirs(work_dir)
    os.rename(run_dir, osp.join(work_dir, stem(SUPERVISED)))
    rows = main([SUPERVISED, '--collect-only', '--work-root', work_dir])
    assert (rows[0]['n_seeds'], rows[0]['seeds']) == (1, '')
    assert rows[0]['Dice_mean'] == pytest.approx(0.9)
    assert rows[0]['wall_min_mean'] is None


def test_aggregate_sample_std_over_three_seeds():
    info = ConfigInfo('a.py', 'a', 'A', 'none (UDA)')
    results = [
        RunResult(
            seed, 'd', 'ok', {m: value
                              for m in collect.METRICS}, wall_s=60)
        for seed, value in enumerate([0.1, 0.2, 0.6])
    ]
    row = aggregate(info, results)
    assert row['Dice_mean'] == pytest.approx(0.3)
    assert row['Dice_std'] == pytest.approx(0.264575, abs=1e-6)
    assert row['wall_min_mean'] == pytest.approx(1.0)


def test_bad_input_is_named(tmp_path):
    with pytest.raises(
            SystemExit,
            match='unknown suite .nope.; known '
            'suites: synth, vnc2lucchi-cpu, vnc2lucchi-paper'):
        main(['--suite', 'nope'])
    with pytest.raises(SystemExit, match='config not found: missing.py'):
        main(['missing.py'])
    with pytest.raises(SystemExit, match='nothing to collect'):
        main(['--collect-only', '--work-root', str(tmp_path)])
    with pytest.raises(SystemExit, match='nothing to run'):
        main(['--work-root', str(tmp_path)])
    with pytest.raises(SystemExit, match='KEY=VALUE'):
        main([SOURCE_ONLY, '--cfg-options', 'oops'])


def test_suite_expansion(tmp_path):
    for name in [
            'a/a_net_synth-192x192.py', 'b/b_net_synth-192x192.py',
            'b/b_net_vnc3-lucchi-cpu-256x256.py', '_base_/x_synth-192x192.py'
    ]:
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text('')
    root = str(tmp_path)
    assert expand_suite('synth', root) == [
        osp.join(root, 'a', 'a_net_synth-192x192.py'),
        osp.join(root, 'b', 'b_net_synth-192x192.py')
    ]
    assert expand_suite('vnc2lucchi-cpu', root) == [
        osp.join(root, 'b', 'b_net_vnc3-lucchi-cpu-256x256.py')
    ]
    with pytest.raises(ValueError, match='matches no config'):
        expand_suite('vnc2lucchi-paper', root)
    # explicit configs first, a duplicate listed once
    extra = osp.join(root, 'b', 'b_net_synth-192x192.py')
    assert select_configs([extra], 'synth', root) == [
        extra, osp.join(root, 'a', 'a_net_synth-192x192.py')
    ]


def test_repo_suite_lists_real_configs():
    paths = expand_suite('vnc2lucchi-cpu', CONFIGS)
    assert osp.join(
        CONFIGS, 'supervised',
        'supervised_unet-s4-c16_1xb4-3k_vnc3-lucchi-cpu-256x256'
        '.py') in paths
    assert all('_base_' not in p for p in paths)


def test_collect_results_script_is_compare_collect_only(work_root):
    spec = importlib.util.spec_from_file_location(
        'collect_results',
        osp.join(REPO, 'tools', 'benchmarks', 'collect_results.py'))
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    rows = script.main([work_root])
    assert [r['status'] for r in rows] == ['failed', 'ok', 'ok']
    assert osp.isfile(osp.join(work_root, 'results.png'))


def test_iters_cut_schedules_of_both_shapes():
    adaptsegnet = describe_config(ADAPTSEGNET)  # dict of lists, 2k iters
    assert train_options(
        adaptsegnet, 3, iters=40) == [
            'randomness.seed=3', 'train_cfg.max_iters=40',
            'param_scheduler.segmentor.0.end=40',
            'param_scheduler.discriminator.0.end=40',
            'train_cfg.val_interval=40'
        ]
    source_only = describe_config(SOURCE_ONLY)  # a list; val every 250
    assert train_options(source_only, 0, 600, 300)[2:] == [
        'param_scheduler.0.end=600', 'train_cfg.val_interval=300'
    ]
    assert train_options(source_only, 0,
                         600)[-1] == ('train_cfg.val_interval=250')
    assert train_options(source_only, 1) == ['randomness.seed=1']
    # warm-up (ends before max_iters) is kept; a single scheduler dict too
    source_only.cfg.param_scheduler = [
        dict(type='LinearLR', begin=0, end=100),
        dict(type='PolyLR', begin=100, end=2000)
    ]
    assert schedule_end_options(source_only.cfg,
                                50) == ['param_scheduler.1.end=50']
    source_only.cfg.param_scheduler = dict(type='PolyLR', end=2000)
    assert schedule_end_options(source_only.cfg,
                                50) == ['param_scheduler.end=50']


def test_iters_is_refused_for_a_round_schedule():
    """A self-training run's length is its SelfTrainingLoop schedule:
    cutting max_iters would silently drop rounds, so --iters says what to
    override instead."""
    ipl = describe_config(
        osp.join(CONFIGS, 'ipl_cfcl',
                 'ipl-cfcl_unet-s4-c16_2x2-800_synth-192x192.py'))
    with pytest.raises(ValueError, match='train_cfg.round_iters'):
        train_options(ipl, 0, iters=40)
    assert train_options(ipl, 0) == ['randomness.seed=0']


FAKE_TRAIN = """\
import json, os, sys
run_dir, seed = sys.argv[1], int(sys.argv[2])
if seed == 1:
    raise RuntimeError('CUDA out of memory (fake)')
os.makedirs(os.path.join(run_dir, 'ts', 'vis_data'))
with open(os.path.join(run_dir, 'ts', 'vis_data', 'scalars.json'), 'w') as f:
    f.write(json.dumps(dict(Dice=.7, Jaccard=.6, AJI=.5, PQ=.4, step=10)))
print('Iter(train) [10/10]')
"""


def test_runs_execute_record_and_skip(tmp_path, monkeypatch, capsys):
    """Each run is a subprocess; a failing one is recorded and the others
    still run; a second call skips runs that are done."""
    commands = []

    def fake_command(run, options, flags=()):
        commands.append((run.seed, list(options), list(flags)))
        return [sys.executable, '-c', FAKE_TRAIN, run.run_dir, str(run.seed)]

    monkeypatch.setattr(run, 'train_command', fake_command)
    root = str(tmp_path / 'wr')
    args = [
        SOURCE_ONLY, '--seeds', '0', '1', '2', '--work-root', root, '--iters',
        '10', '--cfg-options', 'train_dataloader.num_workers=0'
    ]
    rows = main(args)
    assert [c[0] for c in commands] == [0, 1, 2]
    assert commands[0][1] == [
        'randomness.seed=0', 'train_cfg.max_iters=10',
        'param_scheduler.0.end=10', 'train_cfg.val_interval=10',
        'train_dataloader.num_workers=0'
    ]
    assert commands[0][2] == []
    row = rows[0]
    assert (row['status'], row['n_seeds'], row['n_runs']) == ('partial', 2, 3)
    assert row['error'] == 'seed1: RuntimeError: CUDA out of memory (fake)'
    info = json.load(
        open(osp.join(root, stem(SOURCE_ONLY), 'seed1', 'run_info.json')))
    assert info['status'] == 'failed' and info['exit_code'] == 1
    assert info['wall_s'] >= 0 and info['config'] == SOURCE_ONLY
    # done runs are skipped, the failed one is tried again
    commands.clear()
    main(args)
    assert [c[0] for c in commands] == [1]
    assert '2 of 3 runs already done' in capsys.readouterr().out
    commands.clear()
    main(args + ['--rerun', '--amp'])
    assert [c[0] for c in commands] == [0, 1, 2]
    assert commands[0][2] == ['--amp']


def test_resume_continues_an_unfinished_run(tmp_path, monkeypatch):
    """``--resume`` keeps a run dir that holds a checkpoint, asks
    ``tools/train.py`` to resume, appends to the log and adds the wall time
    of the earlier attempt; without it the dir starts over."""
    commands = []

    def fake_command(run, options, flags=()):
        commands.append(run.seed)
        return [sys.executable, '-c', FAKE_TRAIN, run.run_dir, str(run.seed)]

    monkeypatch.setattr(run, 'train_command', fake_command)
    root = str(tmp_path / 'wr')
    run_dir = osp.join(root, stem(SOURCE_ONLY), 'seed0')
    os.makedirs(run_dir)
    for name, text in [('last_checkpoint', 'iter_5.pth'),
                       ('iter_5.pth', 'weights'), ('run.log', 'attempt 1\n')]:
        with open(osp.join(run_dir, name), 'w') as f:
            f.write(text)
    run.write_run_info(run_dir, dict(status='failed', wall_s=100.0))
    args = [SOURCE_ONLY, '--seeds', '0', '--work-root', root]
    main(args + ['--resume'])
    info = json.load(open(osp.join(run_dir, 'run_info.json')))
    assert info['command'][-1] == '--resume' and info['status'] == 'done'
    assert info['wall_s'] >= 100.0 and info['resumed_after_wall_s'] == 100.0
    assert open(osp.join(run_dir, 'run.log')).read().startswith('attempt 1')
    assert osp.isfile(osp.join(run_dir, 'iter_5.pth'))
    # a run without a checkpoint starts over even with --resume
    os.remove(osp.join(run_dir, 'last_checkpoint'))
    run.write_run_info(run_dir, dict(status='failed', wall_s=100.0))
    main(args + ['--resume'])
    info = json.load(open(osp.join(run_dir, 'run_info.json')))
    assert '--resume' not in info['command'] and info['wall_s'] < 100.0
    assert not osp.isfile(osp.join(run_dir, 'iter_5.pth'))
    assert commands == [0, 0]


SIGTERM_DRIVER = """
import sys, time
from emda.benchmarking import run
from emda.tools import compare
pid_file = sys.argv[2]
def sleeper(run, options, flags=()):
    return [sys.executable, '-c', 'import os, sys, time; '
            'open(sys.argv[1], "w").write(str(os.getpid())); time.sleep(60)',
            pid_file]
run.train_command = sleeper
compare.main([sys.argv[1], '--seeds', '0', '--work-root', sys.argv[3]])
"""


def test_sigterm_stops_the_training_and_records_it(tmp_path):
    """Killing compare (SIGTERM) stops its training subprocess instead of
    orphaning it, and the run is recorded as interrupted."""
    import signal
    import subprocess
    import time
    pid_file, root = str(tmp_path / 'child.pid'), str(tmp_path / 'wr')
    driver = subprocess.Popen(
        [sys.executable, '-c', SIGTERM_DRIVER, SOURCE_ONLY, pid_file, root],
        cwd=REPO)
    deadline = time.monotonic() + 60
    while not (osp.isfile(pid_file) and open(pid_file).read()):
        assert time.monotonic() < deadline and driver.poll() is None
        time.sleep(0.1)
    child = int(open(pid_file).read())
    driver.send_signal(signal.SIGTERM)
    assert driver.wait(timeout=30) != 0
    with pytest.raises(ProcessLookupError):  # reaped: gone for good
        os.kill(child, 0)
    info = json.load(
        open(osp.join(root, stem(SOURCE_ONLY), 'seed0', 'run_info.json')))
    assert info['status'] == 'failed' and info['error'] == 'interrupted'


def test_cli_trains_and_reports_a_broken_config(tmp_path):
    """End to end on the synthetic pair: one real 2-iteration run and a
    config whose method does not exist, reported as failed."""
    broken = tmp_path / 'broken_unet_synth-192x192.py'
    broken.write_text(f"_base_ = [{SOURCE_ONLY!r}]\n"
                      "model = dict(type='NoSuchMethod')\n")
    env = dict(os.environ, OMP_NUM_THREADS='1', PYTHONPATH=REPO)
    proc = subprocess.run([
        sys.executable,
        osp.join(REPO, 'tools', 'compare.py'), SOURCE_ONLY,
        str(broken), '--iters', '2', '--work-root', 'wr', '--cfg-options',
        'train_dataloader.batch_size=1', 'train_dataloader.num_workers=0',
        'train_dataloader.persistent_workers=False',
        'val_dataloader.num_workers=0'
    ],
                          cwd=tmp_path,
                          env=env,
                          capture_output=True,
                          text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    rows = {r['config']: r for r in read_csv(tmp_path / 'wr/results.csv')}
    ok = rows[stem(SOURCE_ONLY)]
    assert ok['status'] == 'ok' and 0 <= float(ok['Dice_mean']) <= 1
    failed = rows['broken_unet_synth-192x192']
    assert failed['status'] == 'failed'
    assert 'NoSuchMethod' in failed['error']
    assert (tmp_path / 'wr/results.png').is_file()
    assert '1 of 2 runs succeeded' in proc.stdout


def test_chart_labels_tell_variants_of_one_method_apart():
    from emda.benchmarking.report import chart_labels
    rows = [
        dict(method='IPLCFCL', config='ipl-cfcl_unet-s4_x'),
        dict(method='IPLCFCL', config='ipl-cfcl-uda_unet-s4_x'),
        dict(method='SourceOnly', config='source-only_unet-s4_x'),
        dict(method='SourceOnly', config='source-only_hsc-c24_x'),
        dict(method='IPLCFCL', config='ipl-cfcl_unet-s4_y'),
        dict(method='PointOnly', config='point-only_unet-s4_x'),
    ]
    assert chart_labels(rows) == [
        'IPLCFCL\nipl-cfcl x', 'IPLCFCL\nipl-cfcl-uda x',
        'SourceOnly\nunet-s4', 'SourceOnly\nhsc-c24', 'IPLCFCL\nipl-cfcl y',
        'PointOnly'
    ]


def test_help_does_not_import_the_models():
    """``tools/compare.py --help`` answers before torch, mmseg or
    matplotlib are imported (the comparison package imports them only
    when it trains, reads a config or draws): the modules ``-X importtime``
    lists for that call."""
    proc = subprocess.run(
        [sys.executable, '-X', 'importtime', 'tools/compare.py', '--help'],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60)
    assert proc.returncode == 0 and '--collect-only' in proc.stdout
    imported = {
        line.rsplit('|', 1)[-1].strip().split('.')[0]
        for line in proc.stderr.splitlines() if line.startswith('import time')
    }
    assert 'emda' in imported
    assert not imported & {'torch', 'mmseg', 'matplotlib', 'tqdm'}


def test_benchmark_table_prints_markdown_and_writes_the_csv(tmp_path, capsys):
    from emda.benchmarking.report import print_table_and_csv
    rows = [
        dict(measure='peak RSS', value='1152 MB'),
        dict(measure='speed-up', value='1.13x')
    ]
    out = str(tmp_path / 'bench.csv')
    print_table_and_csv(rows, out)
    printed = capsys.readouterr().out.splitlines()
    assert printed[:3] == [
        '| measure | value |', '|---|---|', '| peak RSS | 1152 MB |'
    ]
    with open(out) as f:
        assert f.read().splitlines() == [
            'measure,value', 'peak RSS,1152 MB', 'speed-up,1.13x'
        ]
