# IPL-CFCL, UDA variant (0 target points), VNC III -> Lucchi, CPU profile: the
# UDA continue + histogram matching 3k variant (its four overrides, restated)
# with the LR decayed over the extension rounds (the schedule base's
# stage2_extension_lr: constant 1e-3 to iteration 2000, then cosine to
# 1e-5), against the late-round collapse of the constant-LR 3k runs. Its
# first 2000 iterations are the 2k variant's, so a finished 2k run can be
# continued (tools/benchmarks/extend_run.py, then tools/compare.py
# --resume): paired with the constant-LR 3k rows, only the LR of the
# extension differs. The final checkpoint is the label-free choice.
_base_ = ['./ipl-cfcl-uda_unet-s4-c16_2x2-2k_vnc3-lucchi-cpu-256x256.py']
param_scheduler = _base_.stage2_extension_lr
custom_hooks = [dict(_base_.custom_hooks[0], init_from='current')]
train_dataloader = dict(dataset=dict(source=_base_.source_train_histmatch))
train_cfg = dict(rounds=_base_.train_cfg.rounds + _base_.stage2_extension)
