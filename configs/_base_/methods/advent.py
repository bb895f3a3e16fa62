# ADVENT, adversarial variant (AdvEnt): AdaptSegNet with the discriminator on
# weighted self-information maps instead of the softmax (same two-optimizer
# step and schedules: schedules/adam_cpu_adv.py).
_base_ = ['./adaptsegnet.py']
model = dict(type='ADVENT')
