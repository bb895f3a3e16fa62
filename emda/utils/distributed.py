"""Multi-process training on MMEngine's DDP: the launcher setup for CPU
(gloo) and GPU (nccl), and the few collective helpers the hooks use so that
a file is written once and read after everyone waits for it.

MMEngine's ``init_dist`` calls ``torch.cuda.set_device`` for every launcher
and its ``Runner.wrap_model`` gives DDP ``device_ids=[LOCAL_RANK]``; both fail
on a CPU-only machine. On CPU :func:`prepare_launch` therefore starts the
gloo process group itself (the Runner skips ``init_dist`` when a group
exists) and tells the wrapper to use no device ids. On GPU it only picks
nccl and leaves everything to MMEngine.
"""
import atexit
import datetime
import os
import subprocess
from typing import Any, Callable, List, Optional, TypeVar

import torch
import torch.distributed as torch_dist
from mmengine.config import Config
from mmengine.dist import (all_gather, barrier, broadcast_object_list,
                           get_world_size, init_dist, is_distributed,
                           is_main_process)

T = TypeVar('T')

#: launcher -> (rank, world size, local rank) environment variables
_LAUNCHER_ENV = {
    'pytorch': ('RANK', 'WORLD_SIZE', 'LOCAL_RANK'),
    'slurm': ('SLURM_PROCID', 'SLURM_NTASKS', 'SLURM_LOCALID'),
    'mpi': ('OMPI_COMM_WORLD_RANK', 'OMPI_COMM_WORLD_SIZE',
            'OMPI_COMM_WORLD_LOCAL_RANK'),
}


def _export_rank_env(launcher: str, port: Optional[int] = None) -> None:
    """Set ``RANK``, ``WORLD_SIZE``, ``LOCAL_RANK``, ``MASTER_ADDR`` and
    ``MASTER_PORT`` (what ``init_method='env://'`` reads) from the
    launcher's own variables."""
    rank, size, local = _LAUNCHER_ENV[launcher]
    missing = [v for v in (rank, size) if v not in os.environ]
    if missing:
        raise RuntimeError(
            f'--launcher {launcher} but ${" and $".join(missing)} is not set: '
            'start the processes with python -m torch.distributed.run '
            '(pytorch), srun (slurm) or mpirun (mpi), or use --launcher none')
    os.environ['RANK'] = os.environ[rank]
    os.environ['WORLD_SIZE'] = os.environ[size]
    os.environ['LOCAL_RANK'] = os.environ.get(local, '0')
    if port is not None:
        os.environ['MASTER_PORT'] = str(port)
    os.environ.setdefault('MASTER_PORT', '29500')
    if 'MASTER_ADDR' not in os.environ:
        if launcher != 'slurm':
            raise RuntimeError('$MASTER_ADDR is not set: export the address '
                               'of the rank-0 machine')
        nodes = os.environ['SLURM_NODELIST']
        os.environ['MASTER_ADDR'] = subprocess.getoutput(
            f'scontrol show hostname {nodes} | head -n1')


def prepare_launch(cfg: Config) -> None:
    """Make ``cfg`` (``cfg.launcher`` set) train on this machine's devices.

    The process group is started here, before the Runner, so that data
    preparation can run on rank 0 while the others wait. GPU: nccl unless
    the config names another backend, MMEngine's ``init_dist`` and model
    wrapper. CPU: gloo, started with
    ``torch.distributed.init_process_group`` (no CUDA call), and the model wrapper (``model_wrapper_cfg``, or the
    default ``MMDistributedDataParallel`` with the config's
    ``find_unused_parameters``) built without ``device_ids``; adversarial
    methods keep their ``MMSeparateDistributedDataParallel``.
    """
    launcher = cfg.get('launcher', 'none')
    if launcher == 'none':
        return
    if launcher not in _LAUNCHER_ENV:
        raise ValueError(f'unknown launcher {launcher!r}; expected one of '
                         f'{["none", *_LAUNCHER_ENV]}')
    hooks = list(cfg.get('custom_hooks', []))
    names = [h.get('type') for h in hooks]
    # BN statistics are per rank (broadcast_buffers=False): averaged before
    # each validation, every rank evaluates (and saves) the same model;
    # checkpoint keys without the wrappers' ``.module``
    cfg.custom_hooks = hooks + [
        dict(type=name)
        for name in ('SyncBuffersHook', 'UnwrappedCheckpointHook')
        if name not in names
    ]
    env_cfg = cfg.setdefault('env_cfg', {})
    dist_cfg = env_cfg.setdefault('dist_cfg', {})
    if torch.cuda.is_available():
        dist_cfg.setdefault('backend', 'nccl')
        if not is_distributed():  # early, so data preparation can wait
            init_dist(launcher, **dist_cfg)
        return
    if dist_cfg.get('backend', 'nccl') == 'nccl':
        dist_cfg['backend'] = 'gloo'
    wrapper = cfg.get('model_wrapper_cfg') or dict(
        type='MMDistributedDataParallel',
        broadcast_buffers=False,
        find_unused_parameters=cfg.get('find_unused_parameters', False))
    wrapper['device_ids'] = None
    cfg.model_wrapper_cfg = wrapper
    if not is_distributed():
        kwargs = {k: v for k, v in dist_cfg.items() if k != 'port'}
        if kwargs.get('timeout') is not None:
            kwargs['timeout'] = datetime.timedelta(seconds=kwargs['timeout'])
        _export_rank_env(launcher, dist_cfg.get('port'))
        torch_dist.init_process_group(init_method='env://', **kwargs)
        # a gloo group left to the interpreter's teardown can abort a rank
        atexit.register(_destroy_group)


def _destroy_group() -> None:
    """Leave together (a bounded wait: a crashed peer cannot hold this
    rank), then close the group."""
    if not torch_dist.is_initialized():
        return
    try:
        torch_dist.monitored_barrier(timeout=datetime.timedelta(seconds=60))
    except RuntimeError:
        pass
    torch_dist.destroy_process_group()


def run_on_main(fn: Callable[[], T]) -> T:
    """Run ``fn`` on rank 0 only, then let every rank continue with its
    result: the way to write a file once that all ranks then read.

    Without a process group this is ``fn()``. An exception on rank 0 is
    re-raised on every rank (nobody is left waiting at the barrier).
    """
    if not is_distributed() or get_world_size() == 1:
        return fn()
    box: List[Any] = [None]
    if is_main_process():
        try:
            box = [('ok', fn())]
        except BaseException as e:  # noqa: B902 - passed to the others
            box = [('error', f'{type(e).__name__}: {e}')]
            broadcast_object_list(box)
            raise
    broadcast_object_list(box)
    status, value = box[0]
    if status == 'error':
        raise RuntimeError(f'rank 0 failed: {value}')
    return value


def wait_for_all() -> None:
    """Barrier when distributed, nothing otherwise."""
    if is_distributed():
        barrier()


def gather_batches(*tensors: torch.Tensor) -> List[torch.Tensor]:
    """Each tensor concatenated over the ranks along dim 0 (detached; every
    rank must pass tensors of equal shape), or unchanged in one process.

    Updates computed from the gathered batch are the same on every rank,
    e.g. a prototype memory refreshed from the global batch.
    """
    if not is_distributed() or get_world_size() == 1:
        return list(tensors)
    gathered = []
    for t in tensors:
        t = t.detach().contiguous()
        # gloo has no bool collectives
        parts = all_gather(t.to(torch.uint8) if t.dtype == torch.bool else t)
        gathered.append(torch.cat(parts).to(t.dtype))
    return gathered
