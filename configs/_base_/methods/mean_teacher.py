# MeanTeacher (DACS-style): source supervision + target CE on source-mixed,
# strongly augmented target images against an EMA teacher's pseudo-labels.
# Swap the pseudo-label selector by one line, e.g.
#   model = dict(selector=dict(_delete_=True, type='EntropySelector'))
# (InstanceAwareSelector needs a multitask segmentor with a det_head for
# its heatmap; a plain EncoderDecoder gives it heatmap=None).
model = dict(
    type='MeanTeacher',
    selector=dict(type='ThresholdSelector', tau=0.9, weight_mode='dacs'),
    mix='classmix',  # 'classmix' | 'cutmix' | 'none'
    mix_dilation=0,
    cutmix_area=(0.25, 0.5),
    strong_aug=dict(type='StrongIntensityAugment'),
    lambda_tgt=1.0)
# the teacher follows the student after every iteration (DACS: alpha 0.99)
custom_hooks = [dict(type='EMATeacherHook', alpha=0.99)]
