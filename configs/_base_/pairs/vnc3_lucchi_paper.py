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
target_pseudo_source = dict(
    pipeline=[dict(type='EMTestPipeline', with_labels=False)])
target_train_pseudo = dict(pipeline=[
    dict(type='EMTrainPipeline', kind='pseudo', crop_size=crop_size)
])
selector_geometry = dict(
    kernel_size=heatmap_kernel,
    blob_kernel=(11, 13),
    ring_kernel=(31, 33),
    det_bg_point_kernel=61)
