# The paper's multitask network (METHOD_SPEC 2): HSC encoder-decoder at
# width 72, segmentation head, 4-block center-detection head and the 128-d
# projection head at 1/4 resolution (up block from u2 with skip c2).
_base_ = ['./hsc_c72.py']
base_channels = 72
segmentor = dict(
    type='MultiTaskEncoderDecoder',
    det_head=dict(
        type='CenterDetHead',
        in_channels=base_channels,
        num_blocks=4,
        in_index=0),
    proj_head=dict(
        type='ProjectionHead',
        in_channels=4 * base_channels,
        channels=2 * base_channels,
        embed_dims=128,
        in_index=(2, 3)))
