"""Tiny configs of five methods on the ``tiny_em`` data and a way to train
them through ``tools/train.py``, in one process or as 2 gloo processes
(``python -m torch.distributed.run --standalone --nproc_per_node=2``)."""
import os
import os.path as osp
import re
import subprocess
import sys
from typing import Dict, List

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
HERE = osp.dirname(osp.abspath(__file__))
CONFIGS = {
    'source_only':
    'source_only/source-only_unet-s4-c16_1xb4-2k_synth-192x192.py',
    'adaptsegnet':
    'adaptsegnet/adaptsegnet_unet-s4-c16_1xb4-2k_synth-192x192.py',
    'ipl_cfcl': 'ipl_cfcl/ipl-cfcl_unet-s4-c16_2x2-800_synth-192x192.py',
    'mean_teacher':
    'mean_teacher/mean-teacher_unet-s4-c16_1xb4-2k_synth-192x192.py',
    'wdanet': 'wdanet/wdanet_unet-s4-c16_2x2-800_synth-192x192.py',
}
#: IPL-CFCL: 2 pretraining iterations, then a stage-1 and a stage-2 round
IPL_ROUNDS = [
    dict(stage=1, iters=2, ratio=0.3, tau=0.6),
    dict(stage=2, iters=2, ratio=0.5, tau=0.6)
]
IPL_PRETRAIN = 2
#: WDANet: 2 source pretraining iterations, then a stage-1 and a stage-2
#: round of 2 (its SelfTrainingLoop schedule)
WDANET_PRETRAIN = 2
WDANET_ROUND = 2
CROP = (48, 48)


def _pipeline(kind: str, **kwargs) -> str:
    """The transform list of ``kind`` (``emda.datasets.pipelines``, as the
    pairs list it) at the tiny crop, as config text."""
    from emda.datasets import pipelines
    build = getattr(pipelines, f'{kind}_train_pipeline')
    if kind != 'image':
        kwargs['heatmap_kernel'] = 11
    return repr(build(crop_size=CROP, **kwargs))


def tiny_config(method: str, root: str) -> str:
    """Config text: ``method`` on ``root`` (``tiny_em``), batch 1 per
    process, no dataloader workers, checkpoints every iteration."""
    target = dict(
        source_only=None,
        adaptsegnet='image',
        ipl_cfcl='pseudo',
        mean_teacher='image',
        wdanet='pseudo')[method]
    domains = (f"source=dict(data_root=root, img_path='src/images', "
               f"ann_path='src/labels', pipeline={_pipeline('labels')})")
    if method == 'wdanet':
        # point-supervised target: heatmaps from the points
        points = _pipeline(target, with_points=True)
        domains += (f", target=dict(data_root=root, img_path='tgt/images', "
                    f"points_file='tgt/points.json', pipeline={points})")
    elif target:
        domains += (f", target=dict(data_root=root, img_path='tgt/images', "
                    f'pipeline={_pipeline(target)})')
    hooks = "dict(type='RankStateHook')"
    max_iters, val_interval = 4, 2
    train_cfg = f'max_iters={max_iters}, val_interval={val_interval}'
    extra = ''
    # the round hook of the staged methods: the tiny target slices to
    # pseudo-label, and its other arguments from the config
    round_hook = ("dict(_base_.custom_hooks[0], dataset=dict("
                  "_base_.custom_hooks[0].dataset, data_root=root, "
                  "img_path='tgt/images', points_file='tgt/points.json'){}), ")
    if method == 'ipl_cfcl':
        # validation at the end only: a round starts from exactly the
        # previous iteration's checkpoint (init_from='current')
        max_iters = IPL_PRETRAIN + sum(r['iters'] for r in IPL_ROUNDS)
        train_cfg = (f'pretrain_iters={IPL_PRETRAIN}, rounds={IPL_ROUNDS!r},'
                     f' val_interval={max_iters}')
        hooks = round_hook.format(
            ", init_from='current', selector=dict("
            "_base_.custom_hooks[0].selector, kernel_size=11, "
            "blob_kernel=(3, 3), ring_kernel=(5, 5), det_bg_point_kernel=11)"
        ) + hooks
        extra = '''
model = dict(
    prototype_interval=2, anchor_conf=0.5,
    prototype_bank=dict(kmeans_n_init=1))
'''
    if method == 'mean_teacher':
        hooks = "dict(type='EMATeacherHook', alpha=0.99), " + hooks
        # the barely trained teacher's probabilities lie within 0.01 of 0.5
        # (tau 0.51 selects no pixel): at tau 0.5 every pixel is
        # pseudo-labelled, so the target loss trains on the selection
        extra = '''
model = dict(selector=dict(tau=0.5))
'''
    if method == 'wdanet':
        # validation at every round end: a round starts from the best
        # checkpoint so far (the base's init_from='best')
        max_iters = WDANET_PRETRAIN + 2 * WDANET_ROUND
        train_cfg = (f'pretrain_iters={WDANET_PRETRAIN}, '
                     f'round_iters={WDANET_ROUND}, '
                     f'val_interval={WDANET_ROUND}')
        hooks = round_hook.format('') + hooks
        extra = f'''
model = dict(heatmap_kernel=11, rank_decay_iters={WDANET_ROUND},
             mixer=dict(prob=1.0), discriminator=dict(ndf=32, num_convs=3))
# one constant schedule per optimizer
param_scheduler = dict(segmentor=param_scheduler,
                       count_head=param_scheduler,
                       discriminator=param_scheduler)
'''
    return f'''
_base_ = [{osp.join(REPO, 'configs', CONFIGS[method])!r}]
custom_imports = dict(imports=['ddp_probe'], allow_failed_imports=False)
synthetic_data = None
simulated_points = []
root = {root!r}
train_dataloader = dict(
    batch_size=1, num_workers=0, persistent_workers=False,
    dataset=dict({domains}))
val_dataloader = dict(
    num_workers=0, persistent_workers=False,
    dataset=dict(data_root=root, img_path='tgt/images',
                 ann_path='tgt/labels'))
test_dataloader = val_dataloader
custom_hooks = [{hooks}]
train_cfg = dict({train_cfg})
param_scheduler = [dict(type='ConstantLR', factor=1.0, by_epoch=False,
                        begin=0, end={max_iters})]
default_hooks = dict(logger=dict(interval=1),
                     checkpoint=dict(interval=1, max_keep_ckpts=10))
{extra}'''


def train(cwd: str, config: str, *args, nproc: int = 1):
    """Run tools/train.py on ``config`` in ``cwd`` (work_dir ``wd``);
    ``nproc=2``: two gloo processes. Writes are recorded in
    ``cwd/writes.txt``."""
    env = dict(
        os.environ,
        OMP_NUM_THREADS='1',
        EMDA_TEST_WRITES=osp.join(cwd, 'writes.txt'),
        PYTHONPATH=os.pathsep.join([REPO, HERE]))
    launch = [sys.executable]
    if nproc > 1:
        launch += [
            '-m', 'torch.distributed.run', '--standalone',
            f'--nproc_per_node={nproc}'
        ]
        args = args + ('--launcher', 'pytorch')
    proc = subprocess.run(
        launch +
        [osp.join(REPO, 'tools', 'train.py'), config, '--work-dir', 'wd'] +
        list(args),
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        # a hang guard, not a speed test: about 60 s idle, beyond 300 s on
        # a machine shared with training jobs
        timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc.stdout + proc.stderr


def writes(cwd: str) -> List[str]:
    """``'<rank> <path>'`` of every recorded write."""
    path = osp.join(cwd, 'writes.txt')
    if not osp.isfile(path):
        return []
    with open(path) as f:
        return f.read().split('\n')[:-1]


LOG_VALUE = re.compile(r'(\S+): (-?[\d.]+(?:e[-+]\d+)?)')
TIMINGS = {'time', 'data_time', 'eta', 'memory'}


def _is_timing(key: str) -> bool:
    """Wall-clock values (MMEngine's and the pseudo-labeller's seconds,
    e.g. ``pl.select_s_per_slice``) differ between identical runs."""
    return key in TIMINGS or key.endswith('_s') or '_s_' in key


def logged_values(log: str) -> List[Dict[str, str]]:
    """The logged values of each ``Iter(train)`` / ``Iter(val)`` summary
    line, timings left out."""
    rows = []
    for line in log.splitlines():
        if 'Iter(train)' in line or ('Iter(val)' in line and 'Dice' in line):
            rows.append({
                k: v
                for k, v in LOG_VALUE.findall(line) if not _is_timing(k)
            })
    return rows
