# MinEnt (ADVENT's entropy minimisation): source supervision + the weighted
# target entropy. One network, so the stock train_step with a single
# optimizer and schedule (schedules/adam_cpu.py) and the default DDP wrapper.
model = dict(type='MinEnt', lambda_ent=0.001)
model_wrapper_cfg = dict(
    type='MMDistributedDataParallel',
    broadcast_buffers=False,
    find_unused_parameters=False)
