#!/usr/bin/env bash
# Wrote v1_resnet18_width2.ckpt: a version-1 checkpoint (ResNetConfig header) from commit 902d52a,
# the last commit that wrote version 1. Kept so that CheckpointTests prove v1 files still load.
set -euo pipefail
git worktree add /tmp/kelvin-v1 902d52a
(cd /tmp/kelvin-v1 && swift build --product kelvin &&
 .build/debug/kelvin train --dataset synthetic --width 2 --max-steps 2 --batch 8 --train-limit 32 \
   --test-limit 16 --epochs 1 --seed 0 --out /tmp/kelvin-v1-run --quiet)
cp /tmp/kelvin-v1-run/last.ckpt "$(dirname "$0")/v1_resnet18_width2.ckpt"
