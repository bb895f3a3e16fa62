"""What to run: configs (given or a named suite), each described by its
metafile entry, times seeds -> one :class:`Run` per (config, seed) in
``WORK_ROOT/<config stem>/seed<k>/``, and the ``--cfg-options`` compare
gives each."""
import glob
import os.path as osp
import re
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence

from emda.benchmarking.metafile import METAFILE, MetafileEntry, find_entry

# suite name -> file-name pattern of its configs in ``configs/<method>/``;
# a method joins a suite by adding a config with the matching suffix.
SUITES = {
    'vnc2lucchi-cpu': '*_vnc3-lucchi-cpu-256x256.py',
    'vnc2lucchi-paper': '*_vnc3-lucchi-paper-512x512.py',
    'synth': '*_synth-192x192.py',
}
SEED_DIR = re.compile(r'^seed(\d+)$')
#: target supervision of a config that no metafile lists
NOT_IN_METAFILE = f'unknown (not in {METAFILE})'


@dataclass
class ConfigInfo:
    """What the table shows about a config. ``cfg`` is None when the file
    could not be read (its runs will then fail and be reported);
    ``entry`` is None when no metafile lists the config (then the method
    is ``model.type`` and the supervision :data:`NOT_IN_METAFILE`)."""
    path: str
    stem: str
    method: str
    supervision: str
    cfg: Optional[object] = None
    entry: Optional[MetafileEntry] = None


@dataclass
class Run:
    """One (config, seed) training run and its directory."""
    config: ConfigInfo
    seed: Optional[int]
    run_dir: str

    @property
    def name(self) -> str:
        return f'{self.config.stem} seed{self.seed}'


def expand_suite(name: str, config_root: str = 'configs') -> List[str]:
    """The configs of a named suite: every ``<config_root>/<method>/``
    file matching the suite's pattern (``_base_`` excluded), sorted."""
    if name not in SUITES:
        raise ValueError(f'unknown suite {name!r}; known suites: '
                         f'{", ".join(sorted(SUITES))}')
    pattern = osp.join(config_root, '[!_]*', SUITES[name])
    paths = sorted(glob.glob(pattern))
    if not paths:
        raise ValueError(f'suite {name!r} matches no config ({pattern})')
    return paths


def select_configs(configs: Sequence[str] = (),
                   suite: Optional[str] = None,
                   config_root: str = 'configs') -> List[str]:
    """Explicit configs, then the suite's, without duplicates; a missing
    explicit config is an error rather than a failed row."""
    for path in configs:
        if not osp.isfile(path):
            raise FileNotFoundError(f'config not found: {path}')
    paths = list(configs) + (expand_suite(suite, config_root) if suite else [])
    unique: Dict[str, str] = {}
    for path in paths:
        unique.setdefault(osp.normpath(path), path)
    return list(unique.values())


def model_type(cfg, stem: str) -> str:
    """``model.type`` (with its ``mode`` where it has one), else
    the algorithm part of the config name: the method of a config that no
    metafile lists."""
    model = (cfg.get('model') if cfg is not None else None) or {}
    method = model.get('type')
    if not isinstance(method, str):
        return stem.split('_')[0]
    mode = model.get('mode')
    return f'{method} ({mode})' if isinstance(mode, str) else method


def describe_config(path: str) -> ConfigInfo:
    """A config's row head from its metafile entry, and the config itself
    (for the training options and the label-free column). A config that
    cannot be read still gets a row so its failure shows; one that no
    metafile lists is named by ``model.type`` and marked
    :data:`NOT_IN_METAFILE`."""
    from mmengine.config import Config
    stem = osp.splitext(osp.basename(path))[0]
    entry = find_entry(path)
    try:
        cfg = Config.fromfile(path)
    except Exception:  # noqa: B902 (any error: the run reports it)
        cfg = None
    if entry is None:
        return ConfigInfo(path, stem, model_type(cfg, stem), NOT_IN_METAFILE,
                          cfg)
    return ConfigInfo(path, stem, entry.method, entry.supervision, cfg, entry)


def plan_runs(configs: Sequence[ConfigInfo], seeds: Sequence[int],
              work_root: str) -> List[Run]:
    """One run per (config, seed) in ``work_root/<stem>/seed<k>``."""
    stems = [c.stem for c in configs]
    clashes = sorted({s for s in stems if stems.count(s) > 1})
    if clashes:
        raise ValueError(f'configs share a file name, so their run dirs '
                         f'would clash: {", ".join(clashes)}')
    return [
        Run(config, seed, osp.join(work_root, config.stem, f'seed{seed}'))
        for config in configs for seed in seeds
    ]


def schedule_end_options(cfg, iters: int) -> List[str]:
    """``--cfg-options`` that make the schedulers spanning the whole run
    (``end >= max_iters``) end at ``iters`` instead; shorter ones (e.g.
    warm-up) are left alone. Handles a list of schedulers, a single one and
    a dict of lists keyed by optimizer."""
    max_iters = cfg.get('train_cfg', {}).get('max_iters')
    schedulers = cfg.get('param_scheduler')
    if not max_iters or not schedulers:
        return []
    if isinstance(schedulers, dict) and 'type' not in schedulers:
        groups = {f'param_scheduler.{k}': v for k, v in schedulers.items()}
    else:
        groups = {'param_scheduler': schedulers}
    options = []
    for prefix, group in groups.items():
        is_list = isinstance(group, (list, tuple))
        for index, scheduler in enumerate(group if is_list else [group]):
            end = scheduler.get('end') if isinstance(scheduler, dict) else None
            if isinstance(end, (int, float)) and end >= max_iters:
                key = f'{prefix}.{index}.end' if is_list else f'{prefix}.end'
                options.append(f'{key}={iters}')
    return options


def train_options(config: ConfigInfo,
                  seed: int,
                  iters: Optional[int] = None,
                  val_interval: Optional[int] = None) -> List[str]:
    """The ``--cfg-options`` compare sets for one run: the seed and, with
    ``iters``, a shorter run (schedules cut to match) validated at least
    once (the loop always validates after the last iteration)."""
    options = [f'randomness.seed={seed}']
    train_cfg = config.cfg.get('train_cfg', {}) if config.cfg else {}
    if iters and train_cfg.get('type') == 'SelfTrainingLoop':
        raise ValueError(
            f'{config.stem}: a self-training run lasts its round schedule '
            '(SelfTrainingLoop derives max_iters); shorten it with '
            '--cfg-options train_cfg.pretrain_iters=... train_cfg.'
            'round_iters=... (or train_cfg.rounds=[...]) instead of --iters')
    if iters:
        options.append(f'train_cfg.max_iters={iters}')
        if config.cfg:
            options += schedule_end_options(config.cfg, iters)
        val_interval = val_interval or min(
            train_cfg.get('val_interval') or iters, iters)
    if val_interval:
        options.append(f'train_cfg.val_interval={val_interval}')
    return options
