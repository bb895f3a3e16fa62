# WDA-Net (METHOD_SPEC 11), the paper's predecessor: segmentation + center
# detection from sparse points, a count head held to a frozen
# source-trained counter (soft ranking loss, margin 3, weight 1 - i/N),
# output-space adversarial alignment of the target softmax and, in stage 2,
# entropy-percentile pseudo-labels. Loss weights per stage are the spec's
# (every one a config key). The final config supplies the segmentor (a
# MultiTaskEncoderDecoder), the data (source_train, a points + pseudo-label
# target, target_pseudo_source of a pair) and the schedule.
model = dict(
    type='WDANet',
    count_head=dict(type='CountHead', channels=72),
    # WDA-Net: 5 convs, ndf 64, GroupNorm (32 groups, no affine), BCE
    discriminator=dict(
        type='FCDiscriminator',
        ndf=64,
        num_convs=5,
        norm_cfg=dict(type='GN', num_groups=32, affine=False)),
    gan_type='bce',
    lambda_adv=0.001,
    loss_weights=dict(
        pretrain=dict(src_seg=1.0, src_det=0.01, src_count=1.0),
        stage1=dict(src_seg=1.0, src_det=0.01, tgt_det=0.1, rank=1.0),
        stage2=dict(
            src_seg=1.0, src_det=0.1, tgt_seg=1.0, tgt_det=0.1, rank=1.0)),
    rank_loss=dict(type='CountRankingLoss', margin=3.0),
    rank_decay_iters=100000,
    src_det_loss=dict(
        type='WeightedHeatmapMSELoss', normalize='mean', center_weight=3.0),
    tgt_det_loss=dict(type='WeightedHeatmapMSELoss', normalize='mask'),
    tgt_seg_loss=dict(type='CrossEntropyLoss', avg_non_ignore=True),
    center_kernel=11,
    det_bg_threshold=0.1,
    mixer=dict(type='CrossPositionPaste', prob=0.5, window=None))
# the method overrides train_step: multi-GPU needs the wrapper that calls it
model_wrapper_cfg = dict(
    type='MMSeparateDistributedDataParallel',
    broadcast_buffers=False,
    find_unused_parameters=False)
# rounds and stages: the schedule base's SelfTrainingLoop holds the round
# schedule; the round hook pseudo-labels each round with this selector, the
# final config adds the pair's target slices (target_pseudo_source)
pseudo_label_selector = dict(
    type='EntropySelector', percentile=80., min_threshold=0.5)
custom_hooks = [dict(type='SelfTrainingRoundHook', init_from='best')]
