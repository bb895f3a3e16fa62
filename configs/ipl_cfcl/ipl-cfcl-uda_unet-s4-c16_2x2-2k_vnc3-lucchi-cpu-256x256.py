# IPL-CFCL, UDA variant (0 target points), VNC III -> Lucchi, CPU profile:
# the top detection peaks stand in for points (METHOD_SPEC 6.6), the UDA
# ratio schedule (stage 1: 0.15 -> 0.45, stage 2: 0.5 / 0.95) and the UDA
# scripts' loss weights (stage 1: 0.2 L_det^t + 1.0 L_con; stage 2:
# 0.001 L_det^t + 0.005 L_con), detection weights at 0.1x as in the CPU
# profile of the main config.
_base_ = ['./ipl-cfcl_unet-s4-c16_2x2-2k_vnc3-lucchi-cpu-256x256.py']
round_hook = _base_.custom_hooks[0]
# no points: the target slices without their points file, IPL in UDA mode
custom_hooks = [
    dict(
        round_hook,
        dataset=dict(round_hook.dataset, points_file=None),
        selector=dict(round_hook.selector, mode='uda', uda_point_ratio=0.15))
]
model = dict(
    loss_weights=dict(
        stage1=dict(tgt_det=0.02, contrast=1.0),
        stage2=dict(tgt_det=0.0001, contrast=0.005)))
train_cfg = dict(rounds=[
    dict(stage=1, ratio=0.15, tau=0.9),
    dict(stage=1, ratio=0.30, tau=0.9),
    dict(stage=1, ratio=0.45, tau=0.9),
    dict(stage=2, ratio=0.5, tau=0.8),
    dict(stage=2, ratio=0.95, tau=0.8),
])
target_supervision = 'none (UDA)'
