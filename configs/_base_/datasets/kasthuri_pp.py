# Kasthuri++ (Casser et al. 2020; mouse cortex, 3 x 3 x 30 nm), into
# data/kasthuri_pp/: train_img.tif, train_gt.tif, test_img.tif,
# test_gt.tif (labels 0/255).
kasthuri_pp_root = 'data/kasthuri_pp'
kasthuri_pp_train = dict(
    type='EMSliceDataset',
    data_root=kasthuri_pp_root,
    img_path='train_img.tif',
    ann_path='train_gt.tif')
kasthuri_pp_test = dict(
    type='EMSliceDataset',
    data_root=kasthuri_pp_root,
    img_path='test_img.tif',
    ann_path='test_gt.tif')
