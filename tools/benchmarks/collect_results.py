"""Collect the runs recorded under a bench folder (by ``run_baselines.sh``
or ``tools/compare.py``) into ``results.md``, ``results.csv``, ``runs.csv``
and ``results.png``; the same as ``python tools/compare.py --collect-only
--work-root BENCH_DIR``, kept for the old command::

    python tools/benchmarks/collect_results.py work_dirs/bench
"""
import argparse

from emda.tools.compare import main as compare_main


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('bench_dir', nargs='?', default='work_dirs/bench')
    args = parser.parse_args(argv)
    return compare_main(['--collect-only', '--work-root', args.bench_dir])


if __name__ == '__main__':
    main()
