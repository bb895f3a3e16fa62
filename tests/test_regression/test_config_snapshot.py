"""Every final config under ``configs/`` resolves to a committed snapshot.

Regenerate on purpose with ``EMDA_UPDATE_GOLDEN=1 pytest tests/test_regression``
(see docs/user_guides/regression_tests.md).
"""
import glob
import json
import os
import os.path as osp

from mmengine import Config

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
GOLDEN = osp.join(osp.dirname(osp.abspath(__file__)), 'golden', 'configs.json')
UPDATE = os.environ.get('EMDA_UPDATE_GOLDEN') == '1'


def _plain(obj):
    """JSON-able copy; the repository root becomes ``{REPO}``."""
    if isinstance(obj, dict):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    if isinstance(obj, str):
        return obj.replace(REPO, '{REPO}')
    if obj is None or isinstance(obj, (bool, int, float)):
        return obj
    return repr(obj)


def _config_paths():
    paths = glob.glob(osp.join(REPO, 'configs', '**', '*.py'), recursive=True)
    return sorted(
        osp.relpath(p, REPO) for p in paths
        if '_base_' not in osp.relpath(p, REPO).split(os.sep))


def resolve_all():
    out = {}
    for rel in _config_paths():
        cfg = Config.fromfile(osp.join(REPO, rel))
        d = cfg.to_dict()
        d.pop('filename', None)
        out[rel] = _plain(d)
    return out


def _diff(a, b, path=''):
    """Key paths where ``a`` and ``b`` differ (first few)."""
    if isinstance(a, dict) and isinstance(b, dict):
        res = []
        for k in sorted(set(a) | set(b)):
            p = f'{path}.{k}' if path else k
            if k not in a or k not in b:
                res.append(p + (' (missing)' if k not in a else ' (new)'))
            else:
                res += _diff(a[k], b[k], p)
        return res
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        res = []
        for i, (x, y) in enumerate(zip(a, b)):
            res += _diff(x, y, f'{path}[{i}]')
        return res
    return [] if a == b else [f'{path}: {a!r} -> {b!r}']


def test_config_snapshot():
    now = resolve_all()
    if UPDATE or not osp.exists(GOLDEN):
        with open(GOLDEN, 'w') as f:
            json.dump(now, f, indent=1, sort_keys=True)
            f.write('\n')
        if not UPDATE:
            raise AssertionError(f'{GOLDEN} was missing; written, rerun')
        return
    with open(GOLDEN) as f:
        golden = json.load(f)
    lines = []
    for rel in sorted(set(golden) | set(now)):
        if rel not in now:
            lines.append(f'{rel}: config removed')
        elif rel not in golden:
            lines.append(f'{rel}: new config, not in the snapshot')
        else:
            d = _diff(golden[rel], now[rel])
            if d:
                lines.append(f'{rel}: ' + '; '.join(d[:5]) +
                             (f' (+{len(d) - 5} more)' if len(d) > 5 else ''))
    assert not lines, ('configs differ from tests/test_regression/golden/'
                       'configs.json (EMDA_UPDATE_GOLDEN=1 to accept):\n' +
                       '\n'.join(lines))
