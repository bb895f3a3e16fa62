#!/usr/bin/env bash
# Issue 13's headline rows over three seeds, bf16 (`--amp`), VNC III ->
# Lucchi CPU profile, in two queues for the two cores (one job each):
#   A: IPL-CFCL 15 % with points-only label-free selection (full run: 1000
#      source pretraining + 5 x 200), then its UDA variant with flip-agreement
#      selection from that run's iteration-1000 checkpoint (shared
#      pretraining, 5 x 200 at Adam 1e-4 as the other variants);
#   B: SourceOnly and Supervised (1000 from scratch), ADVENT MinEnt (250
#      from SourceOnly's final checkpoint), then the IPL-CFCL "continue"
#      variant (5 x 200 from the IPL-CFCL iteration-1000 checkpoint).
# Usage: bash tools/benchmarks/run_headline_seeds.sh OUT_DIR A|B [SEED ...]
# then: python tools/compare.py --collect-only --work-root OUT_DIR
set -euo pipefail
OUT=$1
QUEUE=$2
SEEDS=("${@:3}")
[ ${#SEEDS[@]} -gt 0 ] || SEEDS=(0 1 2)
PY=${PY:-.venv/bin/python}
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
LOADER="train_dataloader.num_workers=1 val_dataloader.num_workers=1"
V=vnc3-lucchi-cpu-256x256
IPL_LF=configs/ipl_cfcl/ipl-cfcl-label-free_unet-s4-c16_2x2-2k_$V.py
ipl_pretrained() { echo "$OUT/$(basename "$IPL_LF" .py)/seed$1/iter_1000.pth"; }
one() {  # SEED [compare options ...]
  $PY tools/compare.py --amp --seeds "$1" --work-root "$OUT" "${@:2}"
}
shared_rounds() {  # SEED CONFIG [cfg options ...]: 5 x 200 from pretraining
  local ckpt
  ckpt=$(ipl_pretrained "$1")
  while [ ! -e "$ckpt" ]; do sleep 60; done  # queue A writes it
  one "$1" "$2" --cfg-options $LOADER load_from="$ckpt" pretrain_iters=0 \
    train_cfg.max_iters=1000 "${@:3}"
}
case $QUEUE in
  A)
    for seed in "${SEEDS[@]}"; do
      one "$seed" "$IPL_LF" \
        --cfg-options $LOADER default_hooks.checkpoint.max_keep_ckpts=20
    done
    for seed in "${SEEDS[@]}"; do
      shared_rounds "$seed" \
        configs/ipl_cfcl/ipl-cfcl-label-free-uda_unet-s4-c16_2x2-2k_$V.py \
        optim_wrapper.optimizer.lr=1e-4 'param_scheduler.0.milestones=[100000]' \
        param_scheduler.0.end=1000
    done
    ;;
  B)
    for seed in "${SEEDS[@]}"; do
      one "$seed" configs/source_only/source-only_unet-s4-c16_1xb4-3k_$V.py \
        configs/supervised/supervised_unet-s4-c16_1xb4-3k_$V.py \
        --iters 1000 --val-interval 250 --cfg-options $LOADER
    done
    for seed in "${SEEDS[@]}"; do
      SO=$OUT/source-only_unet-s4-c16_1xb4-3k_$V/seed$seed/iter_1000.pth
      one "$seed" configs/advent/advent-minent_unet-s4-c16_1xb4-3k_$V.py \
        --iters 250 --val-interval 250 --cfg-options $LOADER load_from="$SO"
    done
    for seed in "${SEEDS[@]}"; do
      shared_rounds "$seed" \
        configs/ipl_cfcl/ipl-cfcl-continue_unet-s4-c16_2x2-2k_$V.py
    done
    ;;
  *) echo "queue must be A or B" >&2; exit 2 ;;
esac
