"""Evaluate a checkpoint: ``python tools/test.py CONFIG CHECKPOINT
[--out DIR] [--work-dir DIR] [--cfg-options k=v ...]``."""
from emda.tools.test import main

if __name__ == '__main__':
    main()
