"""Train the tiny golden runs one after another in this process (the slow
imports are paid once): ``python golden_train.py ROOT OUT METHOD...``
writes ``OUT/METHOD/METHOD.py`` (``tiny_runs.tiny_config`` on the
``tiny_em`` data at ROOT) and trains it through ``emda.tools.train.main``
into ``OUT/METHOD/wd``. Used by ``test_golden_runs.py``."""
import os
import os.path as osp
import sys

import torch

sys.path.insert(
    0,
    osp.join(
        osp.dirname(osp.dirname(osp.abspath(__file__))), 'test_distributed'))

from tiny_runs import tiny_config  # noqa: E402


def main(root: str, out: str, methods) -> None:
    # many tiny ops: one thread, and the same reductions on every run
    torch.set_num_threads(1)
    from emda.tools.train import main as train
    for method in methods:
        cwd = osp.join(out, method)
        os.makedirs(cwd, exist_ok=True)
        config = osp.join(cwd, f'{method}.py')
        with open(config, 'w') as f:
            f.write(tiny_config(method, root))
        # ddp_probe (the configs' custom import) records writes here
        os.environ['EMDA_TEST_WRITES'] = osp.join(cwd, 'writes.txt')
        # a visualizer of its own per run: MMEngine returns an existing
        # instance of the same name, whose save_dir is the previous run's
        train([
            config, '--work-dir',
            osp.join(cwd, 'wd'), '--cfg-options',
            f'visualizer.name=golden_{method}'
        ])


if __name__ == '__main__':
    main(sys.argv[1], sys.argv[2], sys.argv[3:])
