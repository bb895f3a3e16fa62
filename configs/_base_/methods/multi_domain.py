# Kept for methods/ipl_cfcl.py and methods/wdanet.py, which still take the
# training loader through their method base; the other finals compose
# datasets/multi_domain.py themselves (a data concern, not a method's).
_base_ = ['../datasets/multi_domain.py']
