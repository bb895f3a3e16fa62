# SourceOnly: the segmentor trained on source labels only (lower bound).
model = dict(type='SourceOnly')
