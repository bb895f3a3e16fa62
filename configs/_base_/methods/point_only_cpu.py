# PointOnly, CPU profile: the blob and ring kernels of point_only.py halved,
# for half-resolution VNC III -> Lucchi (the full-resolution blob
# (11, 13) x 3 and ring (31, 33) x 3 become blob ~13x19 px, ring ~43x49 px)
# and for the synthetic pair, whose mitochondria (14-21 px wide) are about
# half Lucchi's at full resolution.
_base_ = ['./point_only.py']
model = dict(blob_kernel=(5, 7), ring_kernel=(15, 17))
