"""tools/benchmarks/extend_run.py: a finished run continues under a longer
config in a new run dir, without touching the original."""
import importlib.util
import json
import os
import os.path as osp

import pytest
import torch

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
SHORT = 'configs/ipl_cfcl/ipl-cfcl_unet-s4-c16_2x2-2k_vnc3-lucchi-cpu-256x256.py'
LONG = 'configs/ipl_cfcl/ipl-cfcl_unet-s4-c16_2x2-3k_vnc3-lucchi-cpu-256x256.py'


def load_script():
    spec = importlib.util.spec_from_file_location(
        'extend_run', osp.join(REPO, 'tools', 'benchmarks', 'extend_run.py'))
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    return script


def make_run(run_dir):
    os.makedirs(osp.join(run_dir, 'pseudo_labels', 'round_01'))
    os.makedirs(osp.join(run_dir, '20260101_000000'))
    with open(osp.join(run_dir, 'pseudo_labels', 'round_01', 'done'),
              'w') as f:
        f.write('ok\n')
    with open(osp.join(run_dir, '20260101_000000', 'history.csv'), 'w') as f:
        f.write('iter,Dice\n4,0.5\n')
    for it in (2, 4):
        torch.save(
            dict(
                state_dict={'w': torch.full((2, ), float(it))},
                message_hub=dict(
                    runtime_info=dict(
                        last_ckpt=osp.join(run_dir, f'iter_{it}.pth'),
                        best_ckpt=osp.join(run_dir, 'best_Dice_iter_4.pth'),
                        iter=it))), osp.join(run_dir, f'iter_{it}.pth'))
    os.link(
        osp.join(run_dir, 'iter_4.pth'),
        osp.join(run_dir, 'best_Dice_iter_4.pth'))
    with open(osp.join(run_dir, 'last_checkpoint'), 'w') as f:
        f.write(osp.join(run_dir, 'iter_4.pth'))
    with open(osp.join(run_dir, 'run_info.json'), 'w') as f:
        json.dump(dict(config=SHORT, seed=0, status='done', wall_s=42.0), f)


def test_extend_run_copies_and_repoints(tmp_path):
    script = load_script()
    src = str(tmp_path / 'short' / 'seed0')
    make_run(src)
    before = {n: os.path.getmtime(osp.join(src, n)) for n in os.listdir(src)}
    script.main([src, LONG, '--work-root', str(tmp_path / 'wr')])
    dst = str(tmp_path / 'wr' / osp.splitext(osp.basename(LONG))[0] / 'seed0')
    # resumes from the copy of the last checkpoint, whose recorded paths
    # point into the new run dir (so a new best does not delete the old one)
    resume_from = open(osp.join(dst, 'last_checkpoint')).read()
    assert resume_from == osp.join(dst, 'iter_4.pth')
    for name in ('iter_4.pth', 'best_Dice_iter_4.pth'):
        info = torch.load(
            osp.join(dst, name),
            weights_only=False)['message_hub']['runtime_info']
        assert info['best_ckpt'] == osp.join(dst, 'best_Dice_iter_4.pth')
        assert info['last_ckpt'] == osp.join(dst, 'iter_4.pth')
        assert info['iter'] == 4
    assert not osp.exists(osp.join(dst, 'iter_2.pth'))  # only what resumes
    assert open(osp.join(dst, 'pseudo_labels', 'round_01',
                         'done')).read() == 'ok\n'
    assert osp.isfile(osp.join(dst, '20260101_000000', 'history.csv'))
    info = json.load(open(osp.join(dst, 'run_info.json')))
    assert info['config'] == LONG and info['wall_s'] == 42.0
    assert info['status'] != 'done'  # so compare.py --resume trains it
    # the source run is untouched
    assert before == {
        n: os.path.getmtime(osp.join(src, n))
        for n in os.listdir(src)
    }
    # a second extension onto the same dir is refused
    with pytest.raises(FileExistsError):
        script.main([src, LONG, '--work-root', str(tmp_path / 'wr')])


def test_a_fork_resumes_from_the_named_iteration_alone(tmp_path):
    """--at: another config continues from iteration 2 of the run; nothing
    of the source run's later life (its iteration-4 best, logs, rounds)
    comes along, and the wall time is not inherited."""
    script = load_script()
    src = str(tmp_path / 'short' / 'seed0')
    make_run(src)
    script.main([src, LONG, '--work-root', str(tmp_path / 'wr'), '--at', '2'])
    dst = str(tmp_path / 'wr' / osp.splitext(osp.basename(LONG))[0] / 'seed0')
    assert sorted(
        os.listdir(dst)) == ['iter_2.pth', 'last_checkpoint', 'run_info.json']
    assert open(osp.join(dst, 'last_checkpoint')).read() == osp.join(
        dst, 'iter_2.pth')
    checkpoint = torch.load(osp.join(dst, 'iter_2.pth'), weights_only=False)
    assert torch.equal(checkpoint['state_dict']['w'], torch.full((2, ), 2.))
    info = checkpoint['message_hub']['runtime_info']
    # a better best in the fork removes the fork's file, not the source's
    assert info['best_ckpt'].startswith(dst)
    assert info['last_ckpt'] == osp.join(dst, 'iter_2.pth')
    run_info = json.load(open(osp.join(dst, 'run_info.json')))
    assert run_info['wall_s'] is None
    assert run_info['extended_from'] == f'{src}@2'
    with pytest.raises(FileNotFoundError, match='iter_3.pth'):
        script.extend_run(src, str(tmp_path / 'other'), LONG, at=3)


def test_extend_run_needs_a_checkpoint(tmp_path):
    script = load_script()
    src = str(tmp_path / 'short' / 'seed0')
    make_run(src)
    os.remove(osp.join(src, 'last_checkpoint'))
    with pytest.raises(FileNotFoundError, match='last_checkpoint'):
        script.extend_run(src, str(tmp_path / 'dst'), LONG)


COSINE = ('configs/ipl_cfcl/ipl-cfcl-continue-histmatch-cosine_unet-s4-c16_'
          '2x2-3k_vnc3-lucchi-cpu-256x256.py')


def test_an_added_scheduler_acts_at_the_iterations_it_names(lr_trace):
    """The cosine decay of a longer config begins at iteration 2000: a run
    resumed at 2000 from a run without schedulers must be at the same LR
    500 iterations later as a run that never stopped (without the
    fast-forward it would still be at 1e-3, 2000 iterations early)."""
    script = load_script()
    states = script.scheduler_states(osp.join(REPO, COSINE), 2000)
    cosine = osp.join(REPO, COSINE)

    def _lr_after(steps, state=None):
        return lr_trace(cosine, steps, state)[-1]

    uninterrupted = _lr_after(2500)
    assert 1e-4 < uninterrupted < 9e-4  # the decay is under way
    assert _lr_after(500, states) == pytest.approx(uninterrupted, rel=1e-9)
    assert _lr_after(500) == pytest.approx(1e-3)  # what the fix prevents


def test_the_resumed_checkpoint_gets_the_added_schedulers(tmp_path):
    script = load_script()
    src = str(tmp_path / 'short' / 'seed0')
    make_run(src)
    script.main([src, COSINE, '--work-root', str(tmp_path / 'wr')])
    dst = osp.join(
        str(tmp_path / 'wr'),
        osp.splitext(osp.basename(COSINE))[0], 'seed0')
    last = torch.load(osp.join(dst, 'iter_4.pth'), weights_only=False)
    assert last['param_schedulers'] == script.scheduler_states(COSINE, 4)
    assert last['param_schedulers'][0]['_global_step'] == 4
    best = torch.load(
        osp.join(dst, 'best_Dice_iter_4.pth'), weights_only=False)
    assert 'param_schedulers' not in best  # only the one it resumes from
