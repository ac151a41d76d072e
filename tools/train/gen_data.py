# SPDX-License-Identifier: MIT
"""Build the training cache: phantom studies on the network grid (2 mm in
plane), one .npz per study under CACHE/{train,val,test}/.

Usage:
  /usr/bin/python3 tools/train/gen_data.py --cache DIR --source standin \
      --train 120 --val 16 --test 40
  /usr/bin/python3 tools/train/gen_data.py --cache DIR --source phantom \
      --phantom-bin build-x/tools/phantom/ct-phantom-raw ...

Order: val, train, test. Seeds: train 1000+i, val 500000+i, test 900000+i (disjoint). Classes cycle
COVID, normal, COVID, bacterial, COVID, nodules (half COVID-19).
Each .npz: hu float16 [D,H,W], lungs uint8 (1 right, 2 left), lesions uint8
(COVID-19 lesions), label (0 normal, 1 covid, 2 bacterial, 3 nodules),
severity (more-affected lung, 0..1), dz (mm).
"""

import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

CYCLE = (1, 0, 1, 2, 1, 3)


def from_standin(seed, label):
    import standin_phantom
    p = standin_phantom.generate(seed, label=label)
    return p["hu"], p["lungs"], p["lesions"], p["label"], p["severity"], p["spacing"][0]


def from_phantom(seed, label, binary):
    import phantom_reader
    return phantom_reader.generate(binary, seed, label)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cache", required=True)
    ap.add_argument("--source", choices=("standin", "phantom"), default="phantom")
    ap.add_argument("--phantom-bin")
    ap.add_argument("--train", type=int, default=150)
    ap.add_argument("--val", type=int, default=16)
    ap.add_argument("--test", type=int, default=48)
    args = ap.parse_args()
    for split, n, base in (("val", args.val, 500000), ("train", args.train, 1000),
                           ("test", args.test, 900000)):
        os.makedirs(os.path.join(args.cache, split), exist_ok=True)
        for i in range(n):
            path = os.path.join(args.cache, split, f"{base + i:07d}.npz")
            if os.path.exists(path):
                continue
            label = CYCLE[i % len(CYCLE)]
            if args.source == "standin":
                hu, lungs, les, label, sev, dz = from_standin(base + i, label)
            else:
                hu, lungs, les, label, sev, dz = from_phantom(base + i, label, args.phantom_bin)
            tmp = path + ".tmp.npz"
            np.savez(tmp, hu=hu.astype(np.float16), lungs=lungs.astype(np.uint8),
                     lesions=les.astype(np.uint8), label=np.int64(label),
                     severity=np.float32(sev), dz=np.float32(dz))
            os.replace(tmp, path)
            print(split, i, hu.shape, label, f"{sev:.3f}", flush=True)


if __name__ == "__main__":
    main()
