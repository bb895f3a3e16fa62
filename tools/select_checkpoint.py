"""Choose a run's checkpoint without target labels: ``python
tools/select_checkpoint.py CONFIG RUN_DIR [--metric points|flip]``."""
from emda.tools.select_checkpoint import main

if __name__ == '__main__':
    main()
