# ADVENT, adversarial variant (AdvEnt): the AdaptSegNet config of the same
# pair and schedule, with the discriminator on weighted self-information
# maps instead of the softmax (same two-optimizer step and schedules).
_base_ = ['../adaptsegnet/adaptsegnet_unet-s4-c16_1xb4-2k_synth-192x192.py']
model = dict(type='ADVENT')
