# Runtime shared by every emda config.
default_scope = 'emda'
env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    dist_cfg=dict(backend='nccl'),
)
vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(
    type='SegLocalVisualizer', vis_backends=vis_backends, name='visualizer')
log_processor = dict(by_epoch=False)
log_level = 'INFO'
load_from = None
resume = False
randomness = dict(seed=0)
default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=20, log_metric_by_epoch=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    # keeps the last checkpoint and the best one by target validation Dice
    # (model selection on a labeled target split, as the papers do; report
    # it as such).
    checkpoint=dict(
        type='CheckpointHook',
        by_epoch=False,
        interval=500,
        max_keep_ckpts=1,
        save_best='Dice',
        rule='greater'),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    # a loss term a stage stops returning leaves the log lines
    drop_stale_logs=dict(type='DropStaleLogsHook'),
)
