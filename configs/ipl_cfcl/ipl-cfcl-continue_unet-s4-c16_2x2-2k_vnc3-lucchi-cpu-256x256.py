# IPL-CFCL, 15 % points, VNC III -> Lucchi, CPU profile, the "continue"
# variant (issue 13): the two schedule changes of the synthetic demo variant
# (`ipl-cfcl-continue_..._synth-192x192.py`, chosen on synthetic data seed 1).
# - Each round continues from the current weights (init_from='current'), so
#   no checkpoint is chosen: the round loop cannot settle on one fixed
#   starting checkpoint, and no target label decides anything (the final
#   checkpoint is the label-free choice).
# - Adam keeps its pretraining LR (no scheduler) instead of stepping down
#   10x at the first round.
_base_ = ['./ipl-cfcl_unet-s4-c16_2x2-2k_vnc3-lucchi-cpu-256x256.py']
param_scheduler = None
custom_hooks = [dict(_base_.custom_hooks[0], init_from='current')]
