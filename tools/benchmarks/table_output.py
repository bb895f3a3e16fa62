"""Shared output of the benchmark scripts: a markdown table on stdout and
the same rows as a CSV (through ``tools/compare.py``'s writer)."""
import os.path as osp
import sys
from typing import Sequence

sys.path.insert(0, osp.join(osp.dirname(osp.abspath(__file__)), '..', '..'))

from emda.tools.compare import write_csv  # noqa: E402


def report(rows: Sequence[dict], out: str) -> None:
    """Print ``rows`` as a markdown table and write them to ``out``."""
    cols = list(rows[0])
    print('| ' + ' | '.join(cols) + ' |')
    print('|' + '---|' * len(cols))
    for row in rows:
        print('| ' + ' | '.join(str(row[c]) for c in cols) + ' |')
    write_csv(out, rows)
    print(f'written {out}')
