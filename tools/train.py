"""Train an emda method: ``python tools/train.py CONFIG [--work-dir DIR]
[--resume [CKPT]] [--cfg-options k=v ...]``."""
from emda.tools.train import main

if __name__ == '__main__':
    main()
