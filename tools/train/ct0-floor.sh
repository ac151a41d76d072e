#!/bin/sh
# SPDX-License-Identifier: MIT
# The CT-0 floor of analysis/ct-category.h, measured: the whole pipeline's
# more-affected-lung share on 24 normal phantoms of the validation distribution
# (seeds 500000-500011 and 500016-500027; 176 x 176 x 60 voxels of 2 x 2 x 5 mm).
# Prints min / median / max and every value; the floor is set just above the max.
# usage: tools/train/ct0-floor.sh BUILDDIR MODELDIR WORKDIR
set -eu
build=$1; models=$2; work=$3
mkdir -p "$work"
for s in $(seq 500000 500011) $(seq 500016 500027); do
  [ -e "$work/$s" ] || "$build/tools/phantom/ct-phantom" study --class normal --seed "$s" --size 176 \
      --pixel-spacing 2 --slice-spacing 5 --slices 60 --nifti --threads 1 --out "$work/$s" >/dev/null
done
"$build/app/ct-triage-cli" analyze "$work" --model "$models" --no-cache --json > "$work/results.json"
python3 - "$work/results.json" <<'PY'
import json, sys
v = sorted(s["severity_percent"] for s in json.load(open(sys.argv[1])))
print(f"{len(v)} normal phantoms; more-affected-lung share (percent): min {v[0]:.2f}, "
      f"median {(v[len(v) // 2 - 1] + v[len(v) // 2]) / 2:.2f}, max {v[-1]:.2f}")
print(" ".join(f"{x:.2f}" for x in v))
PY
