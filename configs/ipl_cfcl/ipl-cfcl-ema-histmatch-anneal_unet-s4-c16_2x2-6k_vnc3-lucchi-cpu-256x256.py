# IPL-CFCL, 15 % points, VNC III -> Lucchi, CPU profile: the mean-teacher
# 6k variant (ipl-cfcl-ema-histmatch_..._6k, its overrides restated) with
# the student's LR cosine-annealed from 1e-3 to 1e-5 over the last 5
# rounds (the schedule base's final_rounds_anneal; issue 13: at a constant
# LR the teacher's Dice over those rounds moves by the run-to-run noise,
# and their weight average beat the final teacher in every seed). Its
# first 5000 iterations are the 6k variant's, so those runs can be forked
# at 5000 (tools/benchmarks/extend_run.py --at 5000). The final checkpoint
# is the label-free choice.
_base_ = ['./ipl-cfcl_unet-s4-c16_2x2-2k_vnc3-lucchi-cpu-256x256.py']
custom_hooks = [
    dict(_base_.custom_hooks[0], init_from='last'), _base_.ema_teacher
]
train_cfg = dict(rounds=_base_.train_cfg.rounds +
                 _base_.stage2_long_extension + _base_.stage2_r1_block * 2)
train_dataloader = dict(dataset=dict(source=_base_.source_train_histmatch))
_end = _base_.pretrain_iters + _base_.train_cfg.round_iters * len(
    train_cfg['rounds'])
_anneal = _base_.final_rounds_anneal
param_scheduler = [dict(_anneal, begin=_end - _anneal.T_max, end=_end)]
