"""Average a run's kept checkpoints: ``python tools/average_checkpoints.py
RUN_DIR [--from-iter N] [--last K] [--out PATH]``."""
from emda.tools.average_checkpoints import main

if __name__ == '__main__':
    main()
