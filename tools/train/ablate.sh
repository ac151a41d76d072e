#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Ablations of the multitask segmentation phase (docs/model-card.md, "What
# each change buys"): the shipped recipe and one change undone per run, each
# with the same step budget, seed, data and validation, one after another on
# one thread (so a run's figures do not depend on the machine's load).
#   tools/train/ablate.sh CACHE OUT [STEPS]      (CACHE from gen_data.py)
#   ABLATE_JOINT=1 tools/train/ablate.sh ...      also the 2-D phase vs joint training
# Each run writes OUT/<name>/log.jsonl; tools/train/ablate_table.py prints
# the table. About 11 min per 1000 steps on one core of this machine.
set -euo pipefail
cache=$1 out=$2 steps=${3:-1000}
root=$(cd "$(dirname "$0")/../.." && pwd)
common=(--threads 1 --cache "$cache" --minutes 120 --val-minutes 100000 --bn-batches 4
        --seg-batch 4 --medseg-slices 1 --height 64 --width 80 --max-steps "$steps")
run () {
  local name=$1; shift
  [ -f "$out/$name/seg-best.json" ] && return 0
  /usr/bin/python3 "$root/tools/train/train.py" seg "${common[@]}" --out "$out/$name" "$@" \
    > "$out/$name.stdout" 2>&1
}
mkdir -p "$out"
run recipe --raw-bn-too          # shipped recipe; also scored without BN re-estimation
run no-dice --no-dice            # BCE alone (the paper's loss)
run no-lesion-crops --anchored-share 0   # crops anywhere in the lungs
run recipe-seed2 --seed 2 --raw-bn-too   # run-to-run spread of the recipe
run no-medseg --medseg-slices 0  # phantoms only
run no-lr-drop --low-lr 1.0      # no lower learning rate at the end
# second seeds of the changes that looked largest or smallest at seed 1
run no-dice-seed2 --no-dice --seed 2
run no-lesion-crops-seed2 --anchored-share 0 --seed 2
run no-lr-drop-seed2 --low-lr 1.0 --seed 2

# The 2-D phase against the paper's joint training, at equal wall time on one
# core each (the two can run side by side): segmentation 8 min then the
# classifier 3 min on frozen features, against joint training for 12.5 min
# (about the same, counting the phased run's feature extraction).
if [ "${ABLATE_JOINT:-0}" = 1 ]; then
  mkdir -p "$out/phased" "$out/joint"
  ( /usr/bin/python3 "$root/tools/train/train.py" seg --threads 1 --cache "$cache" --out "$out/phased" \
      --minutes 8 --val-minutes 100000 --bn-batches 4 --seg-batch 4 --medseg-slices 1 \
      --height 64 --width 80 \
    && /usr/bin/python3 "$root/tools/train/train.py" cls --threads 1 --cache "$cache" --out "$out/phased" \
      --max-slices 24 --cls-minutes 3 --cls-lr 3e-4 ) > "$out/phased.stdout" 2>&1 &
  /usr/bin/python3 "$root/tools/train/train.py" joint --threads 1 --cache "$cache" --out "$out/joint" \
    --minutes 12.5 --bn-batches 4 --height 64 --width 80 --depth 16 > "$out/joint.stdout" 2>&1
  wait
fi
