# IPL-CFCL, 15 % points, VNC III -> Lucchi, CPU profile: the mean-teacher
# 2k variant (ipl-cfcl-ema-histmatch_..._2k, its overrides restated) on a
# wider UNet, 24 base channels instead of 16 (about 2.2x the multiply-adds;
# issue 13: "a wider network paid for by bf16"). Every head reads the wider
# features; nothing else changes. The final checkpoint is the label-free
# choice.
_base_ = ['./ipl-cfcl_unet-s4-c16_2x2-2k_vnc3-lucchi-cpu-256x256.py']
base_channels = 24
model = dict(
    segmentor=dict(
        backbone=dict(base_channels=base_channels),
        decode_head=dict(in_channels=base_channels, channels=base_channels),
        det_head=dict(in_channels=base_channels),
        # the 1/8 decoder feature (8x the base channels) up to the 1/4
        # skip (4x) of a 4-stage UNet
        proj_head=dict(
            in_channels=base_channels * 8, channels=base_channels * 4)))
param_scheduler = None
custom_hooks = [
    dict(_base_.custom_hooks[0], init_from='last'), _base_.ema_teacher
]
train_dataloader = dict(dataset=dict(source=_base_.source_train_histmatch))
