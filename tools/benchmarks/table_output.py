"""Shared output of the benchmark scripts: a markdown table on stdout and
the same rows as a CSV (through ``tools/compare.py``'s writer,
:func:`emda.benchmarking.report.write_csv`)."""
from typing import Sequence

from emda.benchmarking.report import write_csv


def report(rows: Sequence[dict], out: str) -> None:
    """Print ``rows`` as a markdown table and write them to ``out``."""
    cols = list(rows[0])
    print('| ' + ' | '.join(cols) + ' |')
    print('|' + '---|' * len(cols))
    for row in rows:
        print('| ' + ' | '.join(str(row[c]) for c in cols) + ' |')
    write_csv(out, rows)
    print(f'written {out}')
