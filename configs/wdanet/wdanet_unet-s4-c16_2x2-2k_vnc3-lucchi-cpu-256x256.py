# WDA-Net, 15 % points (published split 1), VNC III -> Lucchi, CPU profile:
# the UNet-16 multitask network (no projection head) with a count head,
# batch 2 source + 2 target, 1000 source pretraining iterations, then a
# stage-1 and a stage-2 round of 500.
_base_ = [
    '../_base_/default_runtime.py', '../_base_/pairs/vnc3_lucchi_cpu.py',
    '../_base_/models/unet_s4_c16_multitask.py', '../_base_/methods/wdanet.py',
    '../_base_/schedules/wdanet_cpu.py'
]
model = dict(
    segmentor=dict(_base_.segmentor, proj_head=None),
    data_preprocessor=_base_.data_preprocessor,
    # the CPU network's width (the det head's), the pair's Gaussian kernel
    count_head=dict(channels=16, num_branches=4),
    heatmap_kernel=_base_.heatmap_kernel,
    # the ranking weight decays to 0 over each stage, as over WDA-Net's
    # 100k-iteration stages (a derived config changing round_iters sets it
    # too)
    rank_decay_iters=_base_.round_iters,
    # CPU profile: detection weights at 0.1x the spec, as in the IPL-CFCL
    # CPU configs (same network, optimizer and 0..255 heatmaps). There the
    # spec weights let the heatmap MSE dominate the shared backbone within
    # a short Adam budget (target p_fg stuck within 0.30-0.60); WDA-Net's
    # target weight (0.1) is even 10x IPL-CFCL's. Not re-measured for
    # WDA-Net; the spec values are the method base's.
    loss_weights=dict(
        pretrain=dict(src_det=0.001),
        stage1=dict(src_det=0.001, tgt_det=0.01),
        stage2=dict(src_det=0.01, tgt_det=0.01)))
# the target carries the annotated points (detection targets, cut-and-paste
# density) and the round's pseudo-label (stage 2): kind='pseudo' with the
# heatmap from the points
target_train = dict(
    _base_.target_train_points,
    pipeline=[
        dict(
            type='EMTrainPipeline',
            kind='pseudo',
            heatmap_source='points',
            crop_size=_base_.crop_size,
            scale=_base_.scale,
            heatmap_kernel=_base_.heatmap_kernel)
    ])
train_dataloader = dict(
    dataset=dict(source=_base_.source_train, target=target_train))
default_hooks = dict(checkpoint=dict(interval=_base_.val_interval))
