"""Compare methods over seeds: ``python tools/compare.py [CONFIGS ...]
[--suite NAME] [--seeds 0 1 2] [--work-root DIR] [--collect-only]``; writes
results.md, results.csv, runs.csv and results.png (docs/user_guides/
compare.md)."""
from emda.tools.compare import main

if __name__ == '__main__':
    main()
