# IPL-CFCL, UDA variant (0 target points), VNC III -> Lucchi, CPU profile:
# the UDA "continue" + histogram matching variant (its 2k config's three
# overrides, restated) with the same longer stage 2 as the 15 % variant's 3k
# config (the schedule base's stage2_extension), so that the two stay a
# paired comparison: same pretraining, same rounds, only the points differ.
# Its first 2000 iterations are the 2k UDA variant's, so a finished 2k run
# can be continued (tools/benchmarks/extend_run.py, then tools/compare.py
# --resume). The final checkpoint is the label-free choice.
_base_ = ['./ipl-cfcl-uda_unet-s4-c16_2x2-2k_vnc3-lucchi-cpu-256x256.py']
param_scheduler = None
custom_hooks = [dict(_base_.custom_hooks[0], init_from='current')]
train_dataloader = dict(dataset=dict(source=_base_.source_train_histmatch))
train_cfg = dict(rounds=_base_.train_cfg.rounds + _base_.stage2_extension)
