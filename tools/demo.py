"""The first-hour demo (``make demo``): IPL-CFCL on the synthetic pair,
before / after adaptation side by side: ``python tools/demo.py [--seed N]``.
"""
from emda.tools.demo import main

if __name__ == '__main__':
    main()
