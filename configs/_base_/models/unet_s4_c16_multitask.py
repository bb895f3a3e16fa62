# The CPU-profile UNet (unet_s4_c16.py) as the paper's multitask network:
# the same backbone and segmentation head, plus a center-detection head on
# the last decoder features (2 HSC blocks, full resolution: no x2
# upsampling) and a 128-d projection head at 1/4 resolution (an up block from
# the 1/8 decoder feature with the 1/4 skip).
_base_ = ['./unet_s4_c16.py']
segmentor = dict(
    type='MultiTaskEncoderDecoder',
    det_head=dict(
        type='CenterDetHead',
        in_channels=16,
        num_blocks=2,
        in_index=3,
        upsample=False,
        num_branches=4),
    proj_head=dict(
        type='ProjectionHead',
        in_channels=128,
        channels=64,
        embed_dims=128,
        in_index=(0, 1),
        num_branches=4))
