# Lucchi / EPFL hippocampus (FIB-SEM, 5x5x5 nm), downloaded from the EPFL
# CVLab "Electron Microscopy Dataset" page into data/lucchi/:
#   training.tif, training_groundtruth.tif, testing.tif,
#   testing_groundtruth.tif   (165 x 768 x 1024 each, labels 0/255)
# Compose into a pair by adding `pipeline=[dict(type='EMTrainPipeline', ...)]`.
lucchi_root = 'data/lucchi'
lucchi_train = dict(
    type='EMSliceDataset',
    data_root=lucchi_root,
    img_path='training.tif',
    ann_path='training_groundtruth.tif')
lucchi_test = dict(
    type='EMSliceDataset',
    data_root=lucchi_root,
    img_path='testing.tif',
    ann_path='testing_groundtruth.tif')
