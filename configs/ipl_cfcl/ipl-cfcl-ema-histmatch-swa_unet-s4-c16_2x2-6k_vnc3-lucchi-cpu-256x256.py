# IPL-CFCL, 15 % points, VNC III -> Lucchi, CPU profile: the mean-teacher
# 6k variant (ipl-cfcl-ema-histmatch_..._6k) that also writes the uniform
# average of the teachers validated at the ends of its last 5 rounds (the
# second r = 1 block) as weight_average.pth: the label-free choice of this
# config (issue 13: over those rounds the teacher's Dice moves by about the
# run-to-run noise, and no target-free score ranks them). Training is the
# 6k variant's, iteration for iteration, so the 6k runs' kept checkpoints
# give the same average (tools/average_checkpoints.py).
_base_ = [
    './ipl-cfcl-ema-histmatch_unet-s4-c16_2x2-6k_vnc3-lucchi-cpu-256x256.py'
]
_rounds = _base_.train_cfg
averaged_rounds = 5
custom_hooks = _base_.custom_hooks + [
    dict(
        type='WeightAverageHook',
        begin_iter=_rounds.pretrain_iters + _rounds.round_iters *
        (len(_rounds.rounds) - averaged_rounds + 1))
]
