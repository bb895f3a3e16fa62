"""Target encodings shared by data transforms and models: points <->
per-pixel maps and Gaussian center heatmaps (numpy and torch)."""
from .heatmaps import (CENTER_KERNEL, center_weight_map,
                       center_weight_map_tensor, gaussian_integral,
                       gaussian_kernel, kernel_sigma, render_heatmap,
                       render_heatmap_tensor)
from .point_codec import (POINT_MAP_PAD, point_ids, points_from_count_map,
                          points_from_count_map_tensor, points_from_id_map,
                          rasterize_point_counts,
                          rasterize_point_counts_tensor, rasterize_point_ids)

__all__ = [
    'CENTER_KERNEL', 'kernel_sigma', 'gaussian_kernel', 'gaussian_integral',
    'render_heatmap', 'render_heatmap_tensor', 'center_weight_map',
    'center_weight_map_tensor', 'POINT_MAP_PAD', 'point_ids',
    'rasterize_point_ids', 'points_from_id_map', 'rasterize_point_counts',
    'rasterize_point_counts_tensor', 'points_from_count_map',
    'points_from_count_map_tensor'
]
