# IPL-CFCL with every instance annotated by one point (100 %, simulated by
# tools/make_points.py: one point per instance at its innermost pixel; no
# published file). The selector's 'full' mode (METHOD_SPEC 6.7): point-hit
# components and blobs are foreground, unpointed components background.
_base_ = ['./ipl-cfcl_unet-s4-c16_2x2-2k_vnc3-lucchi-cpu-256x256.py']
point_ratio = 1.0
simulated_points = [
    dict(
        label_dir='../shared/data/lucchi/train/labels',
        out_file='data/simulated/lucchi_train_100pct_seed20.json',
        ratio=point_ratio,
        seed=20)
]
# paths relative to the working directory, like the simulated file
round_hook = _base_.custom_hooks[0]
custom_hooks = [
    dict(
        round_hook,
        dataset=dict(
            round_hook.dataset,
            data_root='',
            img_path='../shared/data/lucchi/train/images',
            points_file='data/simulated/lucchi_train_100pct_seed20.json',
            unknown_points='error'),
        selector=dict(round_hook.selector, mode='full'))
]
target_supervision = 'points (100 %, simulated)'
