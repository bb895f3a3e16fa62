"""Check every file a config's datasets read, without training:
``emda-check-data CONFIG [--cfg-options k=v ...]``.

Each dataset of the config (the training domains, validation, test and
the self-training pseudo-label source) is built, which reads every slice
once (see :mod:`emda.datasets.data_check`); all problems of all datasets
are printed and the exit status is 1 if there is any.
"""
import argparse
import sys
from typing import Iterator, List, Tuple

from emda.tools.tool_output import add_cfg_options_flag

DATALOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Check the data files of a config')
    parser.add_argument('config', help='config file')
    add_cfg_options_flag(parser)
    return parser.parse_args(argv)


def _leaves(cfg: dict, key: str) -> Iterator[Tuple[str, dict]]:
    """``(key, dataset config)`` with a ``MultiDomainDataset`` split into
    its domains, so that one domain's problems do not hide the other's."""
    if cfg.get('type') == 'MultiDomainDataset':
        for domain in ('source', 'target'):
            if cfg.get(domain):
                yield from _leaves(cfg[domain], f'{key}.{domain}')
    else:
        yield key, cfg


def config_datasets(cfg) -> List[Tuple[str, dict]]:
    """Every distinct dataset config that a run of ``cfg`` builds, with the
    config key that holds it."""
    found = []
    for loader in DATALOADERS:
        if cfg.get(loader):
            found += _leaves(cfg[loader]['dataset'], f'{loader}.dataset')
    for i, hook in enumerate(cfg.get('custom_hooks', [])):
        if hook.get('type') == 'SelfTrainingRoundHook':
            if hook.get('dataset'):
                found.append((f'custom_hooks[{i}].dataset', hook['dataset']))
    distinct, seen = [], set()
    for key, dataset in found:
        text = repr(dict(dataset))
        if text not in seen:
            seen.add(text)
            distinct.append((key, dataset))
    return distinct


def main(argv=None) -> int:
    args = parse_args(argv)
    from mmengine.registry import init_default_scope

    from emda.registry import DATASETS
    from emda.tools.train import load_config
    from emda.utils import register_all_modules
    from emda.utils.config_check import check_component_names
    register_all_modules(init_default_scope=False)
    cfg = load_config(args.config, args.cfg_options)
    init_default_scope(cfg.get('default_scope', 'emda'))
    failed = 0
    try:
        check_component_names(cfg)
    except KeyError as e:
        print(f'FAIL config: {e}')
        failed += 1
    for key, dataset in config_datasets(cfg):
        try:
            built = DATASETS.build(dataset)
        except (OSError, ValueError, KeyError) as e:
            print(f'FAIL {key}: {e}')
            failed += 1
        else:
            print(f'ok   {key}: {len(built)} slices '
                  f'({dataset.get("img_path")})')
    print(f'{failed} dataset(s) with problems' if failed else 'all data ok')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
