# Ablation: the IPL replaced by pixel-confidence pseudo-labels
# (ThresholdSelector; missed points still become blobs with ignore rings).
_base_ = ['./ipl-cfcl_unet-s4-c16_2x2-2k_vnc3-lucchi-cpu-256x256.py']
custom_hooks = [
    dict(
        _base_.custom_hooks[0],
        selector=dict(
            type='ThresholdSelector',
            tau=0.9,
            blob_kernel=(5, 7),
            ring_kernel=(15, 17)))
]
