# The paper's IPL-CFCL schedule (METHOD_SPEC 7) for GPU users: 50k source
# pretraining iterations (WDA-Net's recipe: Adam 5e-4, StepLR(5000, 0.9)),
# then stage 1 = 5 rounds x 10k (r 0 -> 0.6, tau 0.9) and stage 2 = 2 rounds
# x 25k (r 0.35 / 0.7, tau 0.8); validation every 1k. The paper steps SGD at
# 5e-5 (stage 1) and 1e-4 (stage 2); here one Adam optimizer steps down to
# 5e-5 after pretraining (a single optimizer for the whole run).
pretrain_iters = 50000  # also the LR step
rounds = [
    dict(stage=1, iters=10000, ratio=0.0, tau=0.9),
    dict(stage=1, iters=10000, ratio=0.15, tau=0.9),
    dict(stage=1, iters=10000, ratio=0.30, tau=0.9),
    dict(stage=1, iters=10000, ratio=0.45, tau=0.9),
    dict(stage=1, iters=10000, ratio=0.60, tau=0.9),
    dict(stage=2, iters=25000, ratio=0.35, tau=0.8),
    dict(stage=2, iters=25000, ratio=0.70, tau=0.8),
]
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='Adam', lr=5e-4, weight_decay=1e-5))
param_scheduler = [
    dict(
        type='StepLR',
        step_size=5000,
        gamma=0.9,
        by_epoch=False,
        begin=0,
        end=pretrain_iters),
    dict(type='ConstantLR', factor=0.1, by_epoch=False, begin=pretrain_iters)
]
# SelfTrainingLoop derives max_iters (150k) from the schedule
train_cfg = dict(
    type='SelfTrainingLoop',
    pretrain_iters=pretrain_iters,
    rounds=rounds,
    val_interval=1000)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
