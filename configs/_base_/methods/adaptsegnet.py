# AdaptSegNet: source supervision + output-space adversarial alignment of
# the target softmax. Two networks, two optimizers: the final config takes
# them from schedules/adam_cpu_adv.py (or its 3k variant).
model = dict(
    type='AdaptSegNet',
    discriminator=dict(type='FCDiscriminator', ndf=64, num_convs=5),
    gan_type='bce',
    lambda_adv=0.001)
# the method overrides train_step: multi-GPU needs the wrapper that calls it
model_wrapper_cfg = dict(
    type='MMSeparateDistributedDataParallel',
    broadcast_buffers=False,
    find_unused_parameters=False)
