# SPDX-License-Identifier: MIT
"""Pseudo-labels of the 1,600 unlabelled real COVID-19 slices from a teacher
(issue 12, item 1): the teacher's lesion probability averaged over the slice
and its left-right mirror, stored with the slices (realdata.save_pseudo).
train.py seg --pseudo FILE then keeps only the confident pixels
(--pseudo-hi / --pseudo-lo).

Usage:
  /usr/bin/python3 tools/train/pseudo_label.py --teacher resources/models/multitask-spatial.safetensors \
      --out /tmp/pseudo-r1.npz [--montage /tmp/pseudo-r1.png]
  (--teacher may also be a train.py checkpoint .pt of the multitask network)
"""

import argparse
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402
import realdata  # noqa: E402
from model import build, load_safetensors_model  # noqa: E402


def load_teacher(path, architecture="multitask-spatial"):
    """A shipped .safetensors file or a train.py checkpoint .pt."""
    if path.endswith(".safetensors"):
        return load_safetensors_model(path)[0]
    model = build(architecture)
    model.load_state_dict(torch.load(path, map_location="cpu"))
    return model.eval()


def teacher_prob(model, hu):
    """[H,W] HU -> [H,W] lesion probability, mean of the slice and its mirror."""
    x = torch.from_numpy(common.window(np.stack([hu, hu[:, ::-1].copy()])))[:, None]
    with torch.no_grad():
        p = torch.sigmoid(model.seg_head(model.backbone(x)))[:, 0].numpy()
    return 0.5 * (p[0] + p[1][:, ::-1])


def montage(path, items, probs, hi, lo, n=24):
    """Every len/n-th slice: grey | confident lesion red, uncertain yellow."""
    from PIL import Image
    tiles = []
    for k in np.linspace(0, len(items) - 1, n).astype(int):
        hu, p = items[k]["hu"], probs[k]
        a = np.clip((hu + 1350) / 1500, 0, 1) * 255
        rgb = np.stack([a, a, a], -1)
        rgb[p >= hi] = (255, 0, 0)
        rgb[(p > lo) & (p < hi)] = (255, 255, 0)
        t = np.concatenate([np.stack([a, a, a], -1), rgb], 1).astype(np.uint8)
        tiles.append(Image.fromarray(t).resize((240, int(240 * t.shape[0] / t.shape[1]))))
    cols = 4
    rows = (len(tiles) + cols - 1) // cols
    hmax = max(t.size[1] for t in tiles)
    out = Image.new("RGB", (cols * 244, rows * (hmax + 4)))
    for i, t in enumerate(tiles):
        out.paste(t, ((i % cols) * 244, (i // cols) * (hmax + 4)))
    out.save(path)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--teacher", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--montage")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--hi", type=float, default=0.6)
    ap.add_argument("--lo", type=float, default=0.15)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    t0 = time.time()
    model = load_teacher(args.teacher)
    items = realdata.load_unlabelled()
    probs = [teacher_prob(model, it["hu"]) for it in items]
    realdata.save_pseudo(args.out, items, probs)
    pos = np.mean([float((p >= args.hi).mean()) for p in probs])
    unc = np.mean([float(((p > args.lo) & (p < args.hi)).mean()) for p in probs])
    print(f"{len(items)} slices of {len(set(i['case'] for i in items))} cases in {time.time() - t0:.0f} s; "
          f"confident lesion {100 * pos:.1f} % of pixels, uncertain (ignored) {100 * unc:.1f} %")
    if args.montage:
        montage(args.montage, items, probs, args.hi, args.lo)


if __name__ == "__main__":
    main()
