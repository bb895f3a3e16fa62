# IPL-CFCL with the published 30 % point split of the Lucchi training
# stack (otherwise as ipl-cfcl_unet-s4-c16_2x2-2k_vnc3-lucchi-cpu-256x256.py).
_base_ = ['./ipl-cfcl_unet-s4-c16_2x2-2k_vnc3-lucchi-cpu-256x256.py']
point_ratio = 0.3
round_hook = _base_.custom_hooks[0]
custom_hooks = [
    dict(
        round_hook,
        dataset=dict(
            round_hook.dataset,
            points_file='lucchi/points/lucchi_train_30pct.json'))
]
