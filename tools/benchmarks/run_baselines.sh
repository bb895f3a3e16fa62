#!/usr/bin/env bash
# The measured protocol of docs/benchmarks.md: every method on VNC III ->
# Lucchi (CPU profile) and on the synthetic pair, through tools/compare.py,
# then one collected table (OUT_DIR/results.{md,csv,png}, runs.csv).
#
# VNC III -> Lucchi budget (one seed per row by default):
# - SourceOnly, Supervised, PointOnly: 1000 iterations from scratch;
# - IPL-CFCL: 1000 in-run source pretraining (multitask) + 5 rounds x 200;
# - its variants and ablations: the same 5 x 200 rounds, starting from the
#   IPL-CFCL run's iteration-1000 checkpoint (shared pretraining);
# - IPL-CFCL 3k: the IPL-CFCL run continued by 5 more stage-2 rounds
#   (extend_run.py copies it, compare.py --resume trains the extra 1000);
# - AdaptSegNet: 500 adaptation iterations (validated at 250 and 500),
#   ADVENT (MinEnt and AdvEnt), MeanTeacher: 250, all from the SourceOnly
#   iteration-1000 checkpoint (the CPU time of the session allowed no more);
# - WDANet: from the SourceOnly checkpoint, 200 stage-0 iterations (count and
#   detection heads) + 250 stage-1 + 250 stage-2.
# Runs already done are skipped. Usage:
#   bash tools/benchmarks/run_baselines.sh [OUT_DIR] [SEED ...]
set -euo pipefail
OUT=${1:-work_dirs/bench}
SEEDS=("${@:2}")
[ ${#SEEDS[@]} -gt 0 ] || SEEDS=(0)
PY=${PY:-.venv/bin/python}
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
LOADER="train_dataloader.num_workers=1 val_dataloader.num_workers=1"
V=vnc3-lucchi-cpu-256x256
compare() {  # [compare options ...] -- config ... ; one seed list for all
  $PY tools/compare.py --seeds "${SEEDS[@]}" --work-root "$OUT" "$@"
}
for seed in "${SEEDS[@]}"; do
  SO=$OUT/source-only_unet-s4-c16_1xb4-3k_$V/seed$seed/iter_1000.pth
  IPL=$OUT/ipl-cfcl_unet-s4-c16_2x2-2k_$V/seed$seed/iter_1000.pth
  one() { $PY tools/compare.py --seeds "$seed" --work-root "$OUT" "$@"; }
  one configs/source_only/source-only_unet-s4-c16_1xb4-3k_$V.py \
    configs/supervised/supervised_unet-s4-c16_1xb4-3k_$V.py \
    configs/point_only/point-only_unet-s4-c16_1xb4-3k_$V.py \
    --iters 1000 --val-interval 250 --cfg-options $LOADER
  one configs/ipl_cfcl/ipl-cfcl_unet-s4-c16_2x2-2k_$V.py \
    --cfg-options $LOADER default_hooks.checkpoint.max_keep_ckpts=20
  one configs/adaptsegnet/adaptsegnet_unet-s4-c16_1xb4-3k_$V.py \
    --iters 500 --val-interval 250 --cfg-options $LOADER load_from="$SO"
  one configs/advent/advent-minent_unet-s4-c16_1xb4-3k_$V.py \
    configs/advent/advent_unet-s4-c16_1xb4-3k_$V.py \
    configs/mean_teacher/mean-teacher_unet-s4-c16_1xb4-3k_$V.py \
    --iters 250 --val-interval 250 --cfg-options $LOADER load_from="$SO"
  one configs/wdanet/wdanet_unet-s4-c16_2x2-2k_$V.py --cfg-options $LOADER \
    load_from="$SO" train_cfg.pretrain_iters=200 \
    train_cfg.round_iters=250 model.rank_decay_iters=250 \
    'param_scheduler.segmentor.0.milestones=[200]' \
    'param_scheduler.count_head.0.milestones=[200]'
  LONG=configs/ipl_cfcl/ipl-cfcl_unet-s4-c16_2x2-3k_$V.py
  LONG_DIR=$OUT/$(basename "$LONG" .py)/seed$seed
  [ -e "$LONG_DIR" ] || $PY tools/benchmarks/extend_run.py \
    "$(dirname "$IPL")" "$LONG" --work-root "$OUT" --seed "$seed"
  one "$LONG" --resume \
    --cfg-options $LOADER default_hooks.checkpoint.max_keep_ckpts=20
  for variant in uda no-contrast threshold no-cross-teaching entropy \
    5pct 30pct 100pct; do
    one configs/ipl_cfcl/ipl-cfcl-${variant}_unet-s4-c16_2x2-2k_$V.py \
      --cfg-options $LOADER load_from="$IPL" train_cfg.pretrain_iters=0 \
      optim_wrapper.optimizer.lr=1e-4 'param_scheduler.0.milestones=[100000]'
  done
done
compare configs/source_only/source-only_unet-s4-c16_1xb4-2k_synth-192x192.py \
  configs/supervised/supervised_unet-s4-c16_1xb4-2k_synth-192x192.py \
  --iters 800 --val-interval 200 --cfg-options $LOADER
compare configs/ipl_cfcl/ipl-cfcl_unet-s4-c16_2x2-800_synth-192x192.py \
  --cfg-options $LOADER
$PY tools/compare.py --collect-only --work-root "$OUT" --title "emda benchmarks"
