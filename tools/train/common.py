# SPDX-License-Identifier: MIT
"""Data shared by training and evaluation: phantom studies resampled to the
network grid, MedSeg slices mapped back to approximate HU, windowing.

Network grid: 2 x 2 mm in plane, native slice thickness, arrays [D, H, W]
with rows anterior -> posterior, columns patient right -> patient left,
slices superior -> inferior; windowed to [0, 1] from [-1000, 300] HU.
"""

import glob
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tools", "reference"))
DATA = os.environ.get("CT_TRIAGE_TEST_DATA", os.path.join(os.path.dirname(ROOT), "shared", "data"))
MEDSEG = os.path.join(DATA, "medseg-train")
# MedSeg split: the 50 files sorted by their numeric name (0 .. 67, not contiguous); the last
# 10 in that order (50..58 and 67) are held out from training, the first 40 train.
MEDSEG_HELD_OUT_COUNT = 10
MEDSEG_PIXEL_MM = 0.75   # README: about 0.7-0.8 mm, unknown per image


def window(hu):
    """HU -> [0, 1] over [-1000, 300] (numpy or torch)."""
    if isinstance(hu, torch.Tensor):
        return ((hu + 1000.0) / 1300.0).clamp(0.0, 1.0)
    return np.clip((hu + 1000.0) / 1300.0, 0.0, 1.0).astype(np.float32)


def resample_inplane(vol, spacing_yx, order=1, target=2.0):
    """[D,H,W] -> [D,H',W'] at `target` mm, bilinear (align_corners False);
    masks: bilinear of the 0/1 mask, > 0.5 (order 0 -> label-wise)."""
    d, h, w = vol.shape
    nh = max(1, int(round(h * spacing_yx[0] / target)))
    nw = max(1, int(round(w * spacing_yx[1] / target)))
    t = torch.from_numpy(np.ascontiguousarray(vol, dtype=np.float32))[:, None]
    if order == 1:
        return F.interpolate(t, size=(nh, nw), mode="bilinear", align_corners=False)[:, 0].numpy()
    out = np.zeros((d, nh, nw), np.uint8)
    for lab in np.unique(vol):
        if lab == 0:
            continue
        m = F.interpolate((t == lab).float(), size=(nh, nw), mode="bilinear", align_corners=False)[:, 0]
        out[m.numpy() > 0.5] = lab
    return out


def medseg_to_hu(grey):
    """8-bit lung-window grey -> approximate HU. Start from the README's
    -1250..250 HU for 0..255, then rescale per image so that the soft-tissue
    peak (mode of grey 150..245) lands on +40 HU."""
    g = grey.astype(np.float32)
    hist = np.bincount(grey[(grey >= 150) & (grey <= 245)].ravel(), minlength=256)
    mode = int(np.argmax(hist)) if hist.sum() > 500 else 0
    slope = 1500.0 / 255.0
    if 175 <= mode <= 240:
        slope = (40.0 + 1250.0) / mode
    return -1250.0 + slope * g


def load_medseg(ids=None):
    """-> list of (id, hu [H,W] at 2 mm, lesion mask [H,W] uint8, grey [H,W]
    at 2 mm) in the network orientation (the stored images are transposed)."""
    from PIL import Image
    files = sorted(glob.glob(os.path.join(MEDSEG, "Imgs", "*.jpg")),
                   key=lambda p: int(os.path.splitext(os.path.basename(p))[0]))
    out = []
    for f in files:
        i = int(os.path.splitext(os.path.basename(f))[0])
        if ids is not None and i not in ids:
            continue
        grey = np.array(Image.open(f).convert("L")).T
        gt = np.array(Image.open(os.path.join(MEDSEG, "GT", f"{i}.png"))).T
        hu = medseg_to_hu(grey)
        sp = (MEDSEG_PIXEL_MM, MEDSEG_PIXEL_MM)
        hu2 = resample_inplane(hu[None], sp)[0]
        les2 = resample_inplane((gt > 0).astype(np.uint8)[None], sp, order=0)[0]
        out.append((i, hu2, les2, grey))
    return out


def medseg_ids():
    return sorted(int(os.path.splitext(os.path.basename(p))[0])
                  for p in glob.glob(os.path.join(MEDSEG, "Imgs", "*.jpg")))


def medseg_split():
    ids = medseg_ids()
    return ids[:-MEDSEG_HELD_OUT_COUNT], ids[-MEDSEG_HELD_OUT_COUNT:]


# ---------------------------------------------------------------- phantoms

def load_study(path):
    z = np.load(path)
    return {k: z[k] for k in z.files}


def study_paths(cache, split):
    return sorted(glob.glob(os.path.join(cache, split, "*.npz")))


def lung_box(lungs, margin=(0, 2, 2)):
    idx = np.argwhere(lungs > 0)
    if not len(idx):
        return None
    lo = np.maximum(idx.min(0) - margin, 0)
    hi = np.minimum(idx.max(0) + 1 + np.array(margin), lungs.shape)
    return lo, hi


def dice(pred, truth, eps=1e-6):
    pred = pred.astype(bool)
    truth = truth.astype(bool)
    s = pred.sum() + truth.sum()
    if s == 0:
        return float("nan")
    return 2.0 * (pred & truth).sum() / s


def roc_auc(scores_pos, scores_neg):
    """Mann-Whitney AUC, ties count 1/2."""
    pos = np.asarray(scores_pos, float)[:, None]
    neg = np.asarray(scores_neg, float)[None, :]
    if pos.size == 0 or neg.size == 0:
        return float("nan")
    return float(((pos > neg).sum() + 0.5 * (pos == neg).sum()) / (pos.size * neg.size))


def spearman(a, b):
    a = np.asarray(a, float)
    b = np.asarray(b, float)
    if len(a) < 3:
        return float("nan")

    def rank(x):
        order = np.argsort(x, kind="mergesort")
        r = np.empty(len(x))
        r[order] = np.arange(len(x))
        for v in np.unique(x):   # average ties
            m = x == v
            r[m] = r[m].mean()
        return r
    ra, rb = rank(a), rank(b)
    return float(np.corrcoef(ra, rb)[0, 1])
