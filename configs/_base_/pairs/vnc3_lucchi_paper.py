# VNC III -> Lucchi, paper profile (GPU): full resolution, 512x512 crops,
# the paper's 61 px heatmap kernel.
_base_ = ['./vnc3_lucchi_cpu.py']
crop_size = (512, 512)
heatmap_kernel = 61
source_train = dict(pipeline=[
    dict(type='EMTrainPipeline', kind='labels', crop_size=crop_size)
])
target_train_labeled = dict(pipeline=[
    dict(type='EMTrainPipeline', kind='labels', crop_size=crop_size)
])
target_train_points = dict(pipeline=[
    dict(type='EMTrainPipeline', kind='points', crop_size=crop_size)
])
target_train_images = dict(
    pipeline=[dict(type='EMTrainPipeline', kind='image', crop_size=crop_size)])
target_val = dict(pipeline=[dict(type='EMTestPipeline')])
val_dataloader = dict(dataset=target_val)
test_dataloader = val_dataloader
