# Supervised: the segmentor trained on dense target labels (upper bound).
_base_ = ['./multi_domain.py']
model = dict(type='Supervised')
