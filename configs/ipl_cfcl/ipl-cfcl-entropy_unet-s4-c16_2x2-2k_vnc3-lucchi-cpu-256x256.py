# Ablation: the IPL replaced by WDA-Net's entropy-percentile pseudo-labels
# (EntropySelector, 80th percentile per class; points become blobs).
_base_ = ['./ipl-cfcl_unet-s4-c16_2x2-2k_vnc3-lucchi-cpu-256x256.py']
custom_hooks = [
    dict(
        _base_.custom_hooks[0],
        selector=dict(
            type='EntropySelector',
            percentile=80.,
            point_blobs=True,
            blob_kernel=(5, 7),
            ring_kernel=(15, 17)))
]
