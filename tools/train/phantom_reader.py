# SPDX-License-Identifier: MIT
"""Run tools/phantom's `phantom-raw` and read its raw arrays (see
tools/phantom/README.md), generating directly on the networks' 2 mm grid.

Build the generator with only a compiler (no GLib needed):
  cc -O2 -std=c11 -fopenmp tools/phantom/phantom*.c -lm -o phantom-raw
"""

import json
import os
import subprocess
import tempfile

import numpy as np

CLASS_NAMES = {0: "normal", 1: "covid", 2: "bacterial", 3: "nodules"}
SLICE_SPACINGS = (3.0, 5.0, 5.0)   # mm, drawn per study from the seed


def generate(binary, seed, label, size=192):
    rng = np.random.default_rng(seed)
    dz = float(SLICE_SPACINGS[rng.integers(len(SLICE_SPACINGS))])
    slices = int(np.ceil(290.0 / dz))
    with tempfile.TemporaryDirectory(prefix="ref-phantom-") as tmp:
        prefix = os.path.join(tmp, "p")
        subprocess.run([binary, "--seed", str(seed), "--class", CLASS_NAMES[label],
                        "--size", str(size), "--pixel-spacing", "2",
                        "--slices", str(slices), "--slice-spacing", str(dz),
                        "--threads", "1", "--out", prefix],
                       check=True, stdout=subprocess.DEVNULL)
        meta = json.load(open(prefix + ".json"))
        nx, ny, nz = meta["dims"]
        hu = np.fromfile(prefix + ".hu.f32", np.float32).reshape(nz, ny, nx)
        lungs = np.fromfile(prefix + ".lungs.u8", np.uint8).reshape(nz, ny, nx)
        lesions = np.fromfile(prefix + ".lesions.u8", np.uint8).reshape(nz, ny, nx)
    assert not meta["feet_first"] and not meta["mirror_columns"]
    # COVID-19 lesions (ground glass + consolidation) only in COVID-19 studies;
    # other classes' findings are not COVID-19 lesions.
    covid_les = (lesions > 0) if label == 1 else np.zeros_like(lesions)
    sev = float(meta["severity_percent"]) / 100.0 if label == 1 else 0.0
    return np.maximum(hu, -1024.0), lungs, covid_les.astype(np.uint8), label, sev, dz
