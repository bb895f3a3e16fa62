"""Check a config's data files before training: ``python
tools/check_data.py CONFIG [--cfg-options k=v ...]``."""
import sys

from emda.tools.check_data import main

if __name__ == '__main__':
    sys.exit(main())
