# SourceOnly: the segmentor trained on source labels only (lower bound).
_base_ = ['./multi_domain.py']
model = dict(type='SourceOnly')
