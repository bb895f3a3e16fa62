# Supervised: the segmentor trained on dense target labels (upper bound).
model = dict(type='Supervised')
