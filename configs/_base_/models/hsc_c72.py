# The paper's HSC encoder-decoder at its published width (72 channels).
_base_ = ['./hsc_c24.py']
base_channels = 72
segmentor = dict(
    backbone=dict(base_channels=base_channels),
    decode_head=dict(in_channels=base_channels, channels=base_channels))
