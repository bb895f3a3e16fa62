"""Segment an EM volume with a trained model: ``python tools/infer.py
CONFIG CHECKPOINT INPUT --out OUT [--tta] [--instances cc|watershed] ...``
(see ``docs/user_guides/inference.md``)."""
from emda.tools.infer import main

if __name__ == '__main__':
    main()
