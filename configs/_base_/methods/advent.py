# ADVENT. mode='adv' (AdvEnt): the discriminator sees weighted
# self-information maps instead of the softmax; same two-network schedule
# as AdaptSegNet. mode='minent' (MinEnt): source loss + lambda_ent x target
# entropy, one network and one optimizer (see the advent-minent configs).
_base_ = ['./adaptsegnet.py']
model = dict(type='ADVENT', mode='adv', lambda_ent=0.001)
