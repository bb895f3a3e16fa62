# Lucchi++ (Casser et al. 2020): the Lucchi stacks with corrected labels,
# into data/lucchi_pp/ with the same four stack names as Lucchi.
lucchi_pp_root = 'data/lucchi_pp'
lucchi_pp_train = dict(
    type='EMSliceDataset',
    data_root=lucchi_pp_root,
    img_path='training.tif',
    ann_path='training_groundtruth.tif')
lucchi_pp_test = dict(
    type='EMSliceDataset',
    data_root=lucchi_pp_root,
    img_path='testing.tif',
    ann_path='testing_groundtruth.tif')
