# VNC III -> Lucchi, paper profile (GPU): full resolution, 512x512 crops,
# the paper's 61 px heatmap kernel: the CPU pair's datasets and pipelines
# (vnc3_lucchi_cpu.py, listed there) without the working-scale Resize and
# with this crop and kernel.
_base_ = ['./vnc3_lucchi_cpu.py']
scale = 1.0
downscale = None  # no working-scale Resize
crop_size = (512, 512)
heatmap_kernel = 61
full_res = dict(
    RandomCrop=dict(crop_size=crop_size),
    GenerateCenterHeatmap=dict(kernel_size=heatmap_kernel))


def _full_res(pipeline):
    return [
        dict(t, **full_res.get(t.type, {})) for t in pipeline
        if t.type != 'Resize'
    ]


train_augment = _full_res(_base_.train_augment)
labels_train_pipeline = _full_res(_base_.labels_train_pipeline)
points_train_pipeline = _full_res(_base_.points_train_pipeline)
image_train_pipeline = _full_res(_base_.image_train_pipeline)
pseudo_train_pipeline = _full_res(_base_.pseudo_train_pipeline)
pseudo_points_train_pipeline = _full_res(_base_.pseudo_points_train_pipeline)
test_pipeline = _full_res(_base_.test_pipeline)
pseudo_source_pipeline = _full_res(_base_.pseudo_source_pipeline)
source_train = dict(pipeline=labels_train_pipeline)
target_train_labeled = dict(pipeline=labels_train_pipeline)
target_train_points = dict(pipeline=points_train_pipeline)
target_train_images = dict(pipeline=image_train_pipeline)
target_val = dict(pipeline=test_pipeline)
val_dataloader = dict(dataset=target_val)
test_dataloader = val_dataloader
target_pseudo_source = dict(pipeline=pseudo_source_pipeline)
target_train_pseudo = dict(pipeline=pseudo_train_pipeline)
target_train_pseudo_points = dict(pipeline=pseudo_points_train_pipeline)
selector_geometry = dict(
    kernel_size=heatmap_kernel,
    blob_kernel=(11, 13),
    ring_kernel=(31, 33),
    det_bg_point_kernel=61)
