# Ablation: no segmentation -> detection teaching: the target detection
# targets are Gaussians at the annotated points only (not at the centroids
# of every pseudo-label instance). Detection still guides the IPL.
_base_ = ['./ipl-cfcl_unet-s4-c16_2x2-2k_vnc3-lucchi-cpu-256x256.py']
# the pair's pseudo-label training view with the points of
# target_train_points, its heatmap rendered from the points
train_dataloader = dict(dataset=dict(target=_base_.target_train_pseudo_points))
