# IPL-CFCL, 15 % points, VNC III -> Lucchi, CPU profile: the "continue"
# variant (rounds continue from the current weights, Adam keeps its
# pretraining LR) with the source slices histogram-matched to the target
# training images (MatchTargetHistogram, the pair base's
# source_train_histmatch), in pretraining and in every round. Target images
# only, no target labels; the final checkpoint is the label-free choice.
_base_ = ['./ipl-cfcl_unet-s4-c16_2x2-2k_vnc3-lucchi-cpu-256x256.py']
param_scheduler = None
custom_hooks = [dict(_base_.custom_hooks[0], init_from='current')]
train_dataloader = dict(dataset=dict(source=_base_.source_train_histmatch))
