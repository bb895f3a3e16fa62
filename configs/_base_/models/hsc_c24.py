# The paper's HSC encoder-decoder (arXiv 2510.16450, METHOD_SPEC section 2)
# with a narrow width for CPU runs (24 base channels; the paper uses 72, see
# hsc_c72.py). Instance norm throughout; 1-channel input.
_base_ = ['./data_preprocessor.py']
base_channels = 24
segmentor = dict(
    type='EncoderDecoder',
    backbone=dict(type='HSCNet', in_channels=1, base_channels=base_channels),
    decode_head=dict(
        type='HSCSegHead',
        in_channels=base_channels,
        channels=base_channels,
        in_index=0,
        num_classes=2,
        align_corners=False,
        loss_decode=dict(
            type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0)),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
