# SPDX-License-Identifier: MIT
"""Train the lung and the multitask network on the phantom cache (gen_data.py)
plus the MedSeg training slices, with a wall-clock schedule.

Usage (CPU, 2 threads; `--device cuda` runs unchanged on a GPU):
  /usr/bin/python3 tools/train/train.py lungs --cache DIR --minutes 10 \
      --out tools/train/runs/lungs
  /usr/bin/python3 tools/train/train.py multitask --cache DIR --minutes 45 \
      --out tools/train/runs/multitask
Then export.py writes resources/models/*.safetensors from the best checkpoint.

The schedule is defined in fractions of the time budget so that a faster
machine runs more steps of the same recipe (see docs/model-card.md).
"""

import argparse
import copy
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402
from model import build  # noqa: E402
from pseudo_label import load_teacher as load_init  # noqa: E402

PAD_HU = -1000.0
CHANNELS_LAST = True   # faster convolution backward with Debian's torch 1.13 on CPU


def to_fmt(x):
    return x.contiguous(memory_format=torch.channels_last) if CHANNELS_LAST and x.dim() == 4 else x


def to_fmt_model(model):
    if CHANNELS_LAST:
        model.to(memory_format=torch.channels_last)


def log(fh, **kw):
    kw["time"] = time.strftime("%H:%M:%S")
    line = json.dumps(kw)
    print(line, flush=True)
    fh.write(line + "\n")
    fh.flush()


def crop2d(img, y0, x0, h, w, fill):
    """img [..., H, W] -> [..., h, w] starting at (y0, x0), padding with fill."""
    out = np.full(img.shape[:-2] + (h, w), fill, img.dtype)
    H, W = img.shape[-2:]
    sy0, sx0 = max(y0, 0), max(x0, 0)
    sy1, sx1 = min(y0 + h, H), min(x0 + w, W)
    if sy1 > sy0 and sx1 > sx0:
        out[..., sy0 - y0:sy1 - y0, sx0 - x0:sx1 - x0] = img[..., sy0:sy1, sx0:sx1]
    return out


def augment_hu(hu, rng):
    """Scanner variation: small HU offset and gain, extra noise."""
    hu = hu * rng.uniform(0.95, 1.05) + rng.uniform(-30, 30)
    if rng.random() < 0.5:
        hu = hu + rng.normal(0, rng.uniform(5, 25), hu.shape).astype(np.float32)
    return hu


# ------------------------------------------------------------------ studies

class StudyPool:
    """Phantom studies held in memory (float16 HU), loaded once."""

    def __init__(self, cache, split):
        self.cache, self.split = cache, split
        self.paths, self.studies, self.by_class = [], [], {}
        for p in common.study_paths(cache, split):
            self._add(p)

    def _add(self, path):
        s = common.load_study(path)
        s["box"] = common.lung_box(s["lungs"])
        if s["box"] is None:
            return
        s["lesion_slices"] = np.nonzero(s["lesions"].reshape(len(s["lesions"]), -1).any(1))[0]
        self.paths.append(path)
        self.by_class.setdefault(int(s["label"]), []).append(len(self.studies))
        self.studies.append(s)

    def pick(self, rng, covid, label=None):
        if label is not None:
            idx = self.by_class.get(label, [])
        elif covid:
            idx = self.by_class.get(1, [])
        else:
            idx = [i for c, v in self.by_class.items() if c != 1 for i in v]
        if not idx:
            return None
        return self.studies[idx[rng.integers(len(idx))]]

    def refresh(self):
        """Add studies that appeared in the cache since (generation runs in
        parallel with the first minutes of training)."""
        known = set(self.paths)
        new = [p for p in common.study_paths(self.cache, self.split) if p not in known]
        for p in new:
            self._add(p)


def multitask_crop(s, rng, d, h, w):
    """A training crop [d,h,w] of one study inside its lung box: slices at a
    random stride covering up to the whole lung range; for COVID-19 studies
    the crop always contains a lesion voxel."""
    (z0, y0, x0), (z1, y1, x1) = s["box"]
    nz = z1 - z0
    stride = int(rng.integers(1, max(1, nz // d) + 1))
    span = stride * (d - 1) + 1
    anchor = None
    if int(s["label"]) == 1 and len(s["lesion_slices"]):
        zl = int(s["lesion_slices"][rng.integers(len(s["lesion_slices"]))])
        ys, xs = np.nonzero(s["lesions"][zl])
        k = rng.integers(len(ys))
        anchor = (zl, int(ys[k]), int(xs[k]))
    if anchor is not None:
        lo = max(z0 - stride * 2, anchor[0] - span + 1)
        hi = min(anchor[0], z1 - 1)
        start = int(rng.integers(lo, max(lo, hi) + 1))
        # keep the anchor slice on the stride grid
        start = anchor[0] - ((anchor[0] - start) // stride) * stride
    else:
        start = z0 + int(rng.integers(0, max(1, nz - span + 1)))
    zi = np.clip(start + stride * np.arange(d), 0, len(s["hu"]) - 1)

    def offset(a0, a1, n, a_anchor):
        size = a1 - a0
        if size <= n:
            return a0 - (n - size) // 2 + int(rng.integers(-4, 5))
        lo_, hi_ = a0, a1 - n
        if a_anchor is not None:
            lo_, hi_ = max(lo_, a_anchor - n + 8), min(hi_, a_anchor - 8)
            if hi_ < lo_:
                lo_, hi_ = a0, a1 - n
        return int(rng.integers(lo_, hi_ + 1))
    oy = offset(y0, y1, h, None if anchor is None else anchor[1])
    ox = offset(x0, x1, w, None if anchor is None else anchor[2])
    hu = crop2d(s["hu"][zi].astype(np.float32), oy, ox, h, w, PAD_HU)
    les = crop2d(s["lesions"][zi], oy, ox, h, w, 0)
    return hu, les


def medseg_crop(item, rng, h, w):
    _, hu, les, _ = item
    H, W = hu.shape
    oy = int(rng.integers(min(0, H - h), max(0, H - h) + 1))
    ox = int(rng.integers(min(0, W - w), max(0, W - w) + 1))
    return crop2d(hu, oy, ox, h, w, PAD_HU), crop2d(les, oy, ox, h, w, 0)


def soft_dice_loss(prob, target):
    inter = (prob * target).sum()
    return 1.0 - (2.0 * inter + 1.0) / (prob.sum() + target.sum() + 1.0)


def optimiser_step(opt, loss):
    """zero_grad, backward, step; returns the loss as a float."""
    opt.zero_grad(set_to_none=True)
    loss.backward()
    opt.step()
    return float(loss)


def bce_dice_step(opt, logit, target, dice=True, weight=None):
    """One optimiser step on BCE + soft Dice (both segmentation networks;
    dice=False: BCE alone, the paper's loss, for the ablation); weight
    [N,1,H,W] (0 or 1) leaves out the pixels a pseudo-label is unsure of;
    returns the loss as a float."""
    if weight is None:
        loss = F.binary_cross_entropy_with_logits(logit, target)
        if dice:
            loss = loss + soft_dice_loss(torch.sigmoid(logit), target)
        return optimiser_step(opt, loss)
    loss = (F.binary_cross_entropy_with_logits(logit, target, reduction="none") * weight).sum() \
        / weight.sum().clamp(min=1.0)
    if dice:
        loss = loss + soft_dice_loss(torch.sigmoid(logit) * weight, target * weight)
    return optimiser_step(opt, loss)


# ------------------------------------------------------- real slices (issue 12)

class RealSlices:
    """Real slices for the semi-supervised fine-tune: pseudo-labelled
    COVID-19 slices (realdata.load_pseudo; target 1 where the teacher is sure
    of a lesion inside the lungs, 0 where it is sure of none, left out
    elsewhere) and real normal lung (target 0 everywhere)."""

    def __init__(self, args):
        import realdata
        from evaluate import classical_lungs
        from scipy import ndimage
        self.pseudo, self.normal = [], []
        if args.pseudo:
            for case, hu, p in realdata.load_pseudo(args.pseudo):
                lung = ndimage.binary_dilation(classical_lungs(hu, cropped=True), iterations=5)
                target = ((p >= args.pseudo_hi) & lung).astype(np.float32)
                weight = ((p <= args.pseudo_lo) | (target > 0)).astype(np.float32)
                self.pseudo.append((hu, target, weight))
        if args.real_neg_slices:
            for _, hu in realdata.load_real_normal("train"):
                if (hu < -400).mean() > 0.05:     # slices with some lung
                    self.normal.append((hu, np.zeros_like(hu), np.ones_like(hu)))

    @staticmethod
    def augment(hu, target, weight, rng, h, w):
        """What differs between scanners and these JPEGs: in-plane size
        (0.85-1.15), sharpness (Gaussian blur or unsharp mask), contrast
        (gain 0.9-1.1 about -500 HU), noise (SD 0-30 HU); then a random
        h x w crop and a random left-right mirror."""
        from scipy import ndimage
        z = rng.uniform(0.85, 1.15)
        if abs(z - 1) > 0.02:
            hu = ndimage.zoom(hu, z, order=1, mode="nearest")
            target = ndimage.zoom(target, z, order=0)
            weight = ndimage.zoom(weight, z, order=0)
        r = rng.random()
        if r < 0.3:
            hu = ndimage.gaussian_filter(hu, rng.uniform(0.4, 1.0))
        elif r < 0.5:
            hu = hu + rng.uniform(0.3, 0.8) * (hu - ndimage.gaussian_filter(hu, 1.0))
        hu = (hu + 500.0) * rng.uniform(0.9, 1.1) - 500.0
        hu = hu + rng.normal(0, rng.uniform(0, 30), hu.shape).astype(np.float32)
        H, W = hu.shape
        oy = int(rng.integers(min(0, H - h), max(0, H - h) + 1))
        ox = int(rng.integers(min(0, W - w), max(0, W - w) + 1))
        out = [crop2d(a, oy, ox, h, w, f) for a, f in ((hu, PAD_HU), (target, 0.0), (weight, 1.0))]
        if rng.random() < 0.5:
            out = [a[:, ::-1].copy() for a in out]
        return out


# --------------------------------------------------------- BN re-estimation

def reestimate_bn(model, batches, forward):
    """Replace BN running statistics by their exact average over `batches`
    (cumulative moving average, momentum None), no gradient."""
    bns = [m for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    saved = [m.momentum for m in bns]
    for m in bns:
        m.reset_running_stats()
        m.momentum = None
    model.train()
    with torch.no_grad():
        for b in batches:
            forward(model, b)
    for m, mom in zip(bns, saved):
        m.momentum = mom
    model.eval()


# ----------------------------------------------------------------- multitask

def seg_batch(pool, medseg, rng, args, real=None):
    """2-D lesion batch: phantom slices (by default half COVID-19 with a
    lesion in the crop (--anchored-share), a quarter COVID-19 anywhere in the
    lungs, a quarter normal), MedSeg slices and, with `real`, pseudo-labelled
    and normal real slices, all cropped to height x width on the 2 mm grid.
    -> x [N,1,h,w] windowed, y [N,1,h,w], weight [N,1,h,w]."""
    xs, ys, ws = [], [], []
    anchored = args.anchored_share
    for i in range(args.seg_batch):
        r = rng.random()
        s = pool.pick(rng, covid=r < 0.75, label=None if r < 0.75 else 0)
        if s is None:
            s = pool.pick(rng, covid=True)
        if r < anchored or int(s["label"]) != 1:
            hu, les = multitask_crop(s, rng, 1, args.height, args.width)
        else:
            saved = s["lesion_slices"]
            s["lesion_slices"] = np.array([], int)
            hu, les = multitask_crop(s, rng, 1, args.height, args.width)
            s["lesion_slices"] = saved
        xs.append(augment_hu(hu[0], rng))
        ys.append(les[0])
    for _ in range(args.medseg_slices if medseg else 0):
        item = medseg[rng.integers(len(medseg))]
        if args.real_aug:
            hu, les, _ = RealSlices.augment(item[1], item[2].astype(np.float32),
                                            np.ones_like(item[1]), rng, args.height, args.width)
        else:
            hu, les = medseg_crop(item, rng, args.height, args.width)
        xs.append(augment_hu(hu, rng))
        ys.append(les)
    ws = [np.ones((args.height, args.width), np.float32)] * len(xs)
    for group, n in ((real.pseudo if real else [], args.pseudo_slices),
                     (real.normal if real else [], args.real_neg_slices)):
        for _ in range(n if group else 0):
            hu, t, w = RealSlices.augment(*group[rng.integers(len(group))], rng, args.height, args.width)
            xs.append(hu)
            ys.append(t)
            ws.append(w)
    x = torch.from_numpy(common.window(np.stack(xs)))[:, None]
    y = torch.from_numpy(np.stack(ys).astype(np.float32))[:, None]
    w = torch.from_numpy(np.stack(ws).astype(np.float32))[:, None]
    return x, y, w


def seg_forward(model, x):
    return model.seg_head(model.backbone(x))


def multitask_infer(model, hu_stack, device, chunk=16, keep_features=False):
    """Full lung-box stack [D,H,W] HU -> (lesion prob [D,H,W], study prob or
    None[, features [C,H,W,D]])."""
    x = torch.from_numpy(common.window(hu_stack.astype(np.float32))).to(device)
    feats, probs = [], []
    with torch.no_grad():
        for i in range(0, len(x), chunk):
            f = model.backbone(to_fmt(x[i:i + chunk, None]))
            probs.append(torch.sigmoid(model.seg_head(f)[:, 0]).cpu())
            feats.append(f.contiguous())
        f = torch.cat(feats).permute(1, 2, 3, 0)
        p = None
        if min(f.shape[1:]) >= 8:
            p = float(torch.sigmoid(model.cls_head(f[None]))[0])
    out = (torch.cat(probs).numpy(), p)
    return out + (f.half().cpu(),) if keep_features else out


def validate_seg(model, val, medseg_val, device, thresholds=(0.2, 0.3, 0.4, 0.5), cls=False,
                 max_slices=8):
    model.eval()
    scores, labels = [], []
    dsum = {t: [0, 0] for t in thresholds}
    for s in val:
        (z0, y0, x0), (z1, y1, x1) = s["box"]
        if int(s["label"]) != 1 and not cls:
            continue
        zs = np.arange(z0, z1)
        if not cls and len(zs) > max_slices:   # cheap check: evenly spaced slices
            zs = np.round(np.linspace(z0, z1 - 1, max_slices)).astype(int)
        prob, p = multitask_infer(model, s["hu"][zs, y0:y1, x0:x1], device)
        if p is not None:
            scores.append(p)
            labels.append(int(s["label"]) == 1)
        if int(s["label"]) == 1:
            truth = s["lesions"][zs, y0:y1, x0:x1] > 0
            for t in thresholds:
                pred = prob >= t
                dsum[t][0] += 2 * (pred & truth).sum()
                dsum[t][1] += pred.sum() + truth.sum()
    ms = {t: [0, 0] for t in thresholds}
    for _, hu, les, _ in medseg_val:
        prob, _ = multitask_infer(model, hu[None], device)
        for t in thresholds:
            pred = prob[0] >= t
            ms[t][0] += 2 * (pred & (les > 0)).sum()
            ms[t][1] += pred.sum() + (les > 0).sum()
    out = {"dice": {str(t): round(float(v[0] / max(v[1], 1)), 4) for t, v in dsum.items()},
           "medseg_dice": {str(t): round(float(v[0] / max(v[1], 1)), 4) for t, v in ms.items()}}
    if cls:
        out["auc"] = common.roc_auc([a for a, l in zip(scores, labels) if l],
                                    [a for a, l in zip(scores, labels) if not l])
    return out


def multitask_setup(args, medseg_train):
    """What phase 1 and joint training share: seeded generator, training and
    validation phantoms, MedSeg slices (training ones only when asked), a
    fresh multitask model, Adam, the log file."""
    rng = np.random.default_rng(args.seed)
    torch.manual_seed(args.seed)
    pool = StudyPool(args.cache, "train")
    val = StudyPool(args.cache, "val").studies
    tr_ids, va_ids = common.medseg_split()
    medseg = common.load_medseg(tr_ids) if medseg_train else []
    medseg_val = common.load_medseg(va_ids)
    model = build("multitask-spatial").to(args.device)
    to_fmt_model(model)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    os.makedirs(args.out, exist_ok=True)
    fh = open(os.path.join(args.out, "log.jsonl"), "a")
    return rng, pool, val, medseg, medseg_val, model, opt, fh


def set_lr(opt, args, step, frac):
    """--lr, --lr3 after --low-lr of the schedule, linear warm-up over
    --warmup steps; returns the rate."""
    lr = args.lr if frac < args.low_lr else args.lr3
    if step < args.warmup:
        lr = lr * (step + 1) / args.warmup
    for g in opt.param_groups:
        g["lr"] = lr
    return lr


def train_seg(args):
    """Phase 1: backbone + segmentation head on 2-D slices."""
    device = args.device
    rng, pool, val, medseg, medseg_val, model, opt, fh = multitask_setup(args, args.medseg_slices > 0)
    if args.init:
        # fine-tune (issue 12): start from a shipped or trained multitask network
        init = load_init(args.init)
        model.load_state_dict(init.state_dict())
        to_fmt_model(model)
    real = RealSlices(args) if (args.pseudo or args.real_neg_slices) else None
    log(fh, event="start", phase="seg", args=vars(args), train_studies=len(pool.studies),
        val_studies=len(val), medseg_train=len(medseg), medseg_val=len(medseg_val),
        pseudo_slices=len(real.pseudo) if real else 0, normal_slices=len(real.normal) if real else 0)
    budget = args.minutes * 60.0
    t0 = time.time()
    step, best, last_val, run = 0, None, t0, None
    while time.time() - t0 < budget and (args.max_steps <= 0 or step < args.max_steps):
        # with --max-steps the schedule follows steps, not the clock (ablations)
        frac = step / args.max_steps if args.max_steps > 0 else (time.time() - t0) / budget
        lr = set_lr(opt, args, step, frac)
        model.train()
        x, y, w = seg_batch(pool, medseg, rng, args, real)
        logit = seg_forward(model, to_fmt(x.to(device)))
        loss = bce_dice_step(opt, logit, y.to(device), dice=not args.no_dice,
                             weight=w.to(device) if real else None)
        step += 1
        run = loss if run is None else 0.95 * run + 0.05 * loss
        if step % 10 == 0:
            log(fh, step=step, lr=lr, loss=round(run, 4), elapsed=round(time.time() - t0, 1))
        if step % 200 == 0:
            pool.refresh()
        last = time.time() - t0 >= budget or (args.max_steps > 0 and step >= args.max_steps)
        if time.time() - last_val >= args.val_minutes * 60 or last:
            last_val = time.time()
            if args.raw_bn_too:
                # ablation of BN re-estimation: the same weights with the
                # running statistics training left behind
                raw = validate_seg(model, val, medseg_val, device)
                log(fh, event="val-raw-bn", step=step, **raw)
            cand = copy.deepcopy(model)
            reestimate_bn(cand, [seg_batch(pool, medseg, rng, args, real)[0] for _ in range(args.bn_batches)],
                          lambda m, bb: seg_forward(m, to_fmt(bb.to(device))))
            metrics = validate_seg(cand, val, medseg_val, device)
            score = max(metrics["dice"].values()) + 0.5 * max(metrics["medseg_dice"].values())
            log(fh, event="val", step=step, score=round(score, 4), **metrics)
            torch.save(cand.state_dict(), os.path.join(args.out, "seg-last.pt"))
            if best is None or score > best:
                best = score
                torch.save(cand.state_dict(), os.path.join(args.out, "seg-best.pt"))
                with open(os.path.join(args.out, "seg-best.json"), "w") as f:
                    json.dump(dict(step=step, score=score, **metrics), f, indent=1)
                log(fh, event="best", step=step, score=round(score, 4))
            del cand
    log(fh, event="end", phase="seg", steps=step, seconds=round(time.time() - t0, 1))


def study_features(model, s, device, max_slices):
    (z0, y0, x0), (z1, y1, x1) = s["box"]
    zs = np.arange(z0, z1)
    if len(zs) > max_slices:
        zs = np.round(np.linspace(z0, z1 - 1, max_slices)).astype(int)
    _, _, f = multitask_infer(model, s["hu"][zs, y0:y1, x0:x1], device, keep_features=True)
    return f


def train_cls(args):
    """Phase 2: the classifier on the frozen backbone's top feature map,
    computed once per study over its whole lung box."""
    device = args.device
    rng = np.random.default_rng(args.seed + 7)
    torch.manual_seed(args.seed + 7)
    fh = open(os.path.join(args.out, "log.jsonl"), "a")
    model = build("multitask-spatial").to(device)
    # --init: a phase-1 checkpoint .pt or a shipped .safetensors file (a
    # classifier retrained on a shipped backbone)
    init = load_init(args.init or os.path.join(args.out, "seg-best.pt"))
    model.load_state_dict(init.state_dict())
    to_fmt_model(model)
    model.eval()
    t0 = time.time()
    train = StudyPool(args.cache, "train").studies
    val = StudyPool(args.cache, "val").studies
    ftr = [(study_features(model, s, device, args.max_slices), float(int(s["label"]) == 1))
           for s in train]
    fva = [(study_features(model, s, device, args.max_slices), float(int(s["label"]) == 1))
           for s in val]
    log(fh, event="start", phase="cls", train_studies=len(ftr), val_studies=len(fva),
        feature_seconds=round(time.time() - t0, 1))
    head = model.cls_head
    # Start fc1 on standardised inputs: the pooled backbone features are
    # unnormalised (their scale varies by channel), so fold their mean and
    # standard deviation over the training studies into fc1's initial
    # weights and bias (no extra layer: the structure stays the paper's).
    from model import pyramid_max_pool3d
    with torch.no_grad():
        pooled = torch.cat([pyramid_max_pool3d(f.float()[None], head.levels) for f, _ in ftr])
        mean, std = pooled.mean(0), pooled.std(0).clamp_min(1e-3)
        torch.nn.init.kaiming_uniform_(head.fc1.weight, a=5 ** 0.5)
        head.fc1.weight.div_(std[None, :])
        head.fc1.bias.copy_(-(head.fc1.weight @ mean))
        torch.nn.init.kaiming_uniform_(head.fc2.weight, a=5 ** 0.5)
        head.fc2.weight.mul_(0.1)
    log(fh, event="feature_stats", mean_of_means=float(mean.mean()), mean_of_std=float(std.mean()),
        max_std=float(std.max()))
    opt = torch.optim.Adam(head.parameters(), lr=args.cls_lr, weight_decay=1e-4)

    def augment(f):
        c, h, w, d = f.shape
        stride = int(rng.integers(1, 3)) if d >= 16 else 1
        f = f[..., int(rng.integers(0, stride))::stride]
        hh, ww = int(h * rng.uniform(0.85, 1.0)), int(w * rng.uniform(0.85, 1.0))
        oy, ox = int(rng.integers(0, h - hh + 1)), int(rng.integers(0, w - ww + 1))
        return f[:, oy:oy + hh, ox:ox + ww].float()

    def evaluate():
        head.eval()
        with torch.no_grad():
            sc = [float(torch.sigmoid(head(f.float()[None]))[0]) for f, _ in fva]
        pos = [a for a, (_, l) in zip(sc, fva) if l]
        neg = [a for a, (_, l) in zip(sc, fva) if not l]
        bce = float(np.mean([-np.log(max(a if l else 1 - a, 1e-6)) for a, (_, l) in zip(sc, fva)]))
        return common.roc_auc(pos, neg), bce

    best, step, run = None, 0, None
    budget = args.cls_minutes * 60.0
    t1 = time.time()
    while time.time() - t1 < budget:
        frac = (time.time() - t1) / budget
        lr = args.cls_lr * (0.3 if frac >= args.low_lr else 1.0)
        for g in opt.param_groups:
            g["lr"] = lr
        head.train()
        idx = rng.integers(len(ftr), size=args.cls_batch)
        logits = torch.cat([head(augment(ftr[i][0])[None]) for i in idx])
        target = torch.tensor([ftr[i][1] for i in idx])
        loss = optimiser_step(opt, F.binary_cross_entropy_with_logits(logits, target))
        step += 1
        run = loss if run is None else 0.95 * run + 0.05 * loss
        if step % 25 == 0:
            auc, vbce = evaluate()
            score = auc - 0.05 * vbce
            log(fh, phase="cls", step=step, lr=lr, loss=round(run, 4), val_auc=round(auc, 4),
                val_bce=round(vbce, 4))
            if best is None or score > best:
                best = score
                torch.save(model.state_dict(), os.path.join(args.out, "best.pt"))
                log(fh, event="best", phase="cls", step=step, val_auc=round(auc, 4))
    log(fh, event="end", phase="cls", steps=step, seconds=round(time.time() - t1, 1))
    if args.temperature:
        fit_temperature(args, model, fva, fh)


def fit_temperature(args, model, fva, fh):
    """Calibration (issue 12, item 4): one temperature T for the study
    logit, fitted on the validation studies by minimising their BCE over
    T in 0.25..8 (log grid, then refined), folded into fc2 (which has no
    bias: logit / T = (fc2.weight / T) . h), so the engine and the weights
    format stay as they are."""
    model.load_state_dict(torch.load(os.path.join(args.out, "best.pt"), map_location=args.device))
    head = model.cls_head.eval()
    with torch.no_grad():
        logits = np.array([float(head(f.float()[None])[0]) for f, _ in fva])
    y = np.array([l for _, l in fva])

    def bce(t):
        p = 1.0 / (1.0 + np.exp(-logits / t))
        return float(np.mean(-np.log(np.clip(np.where(y > 0, p, 1 - p), 1e-6, 1.0))))
    grid = np.exp(np.linspace(np.log(0.25), np.log(8.0), 61))
    t = float(grid[np.argmin([bce(g) for g in grid])])
    fine = t * np.exp(np.linspace(-0.06, 0.06, 25))
    t = float(fine[np.argmin([bce(g) for g in fine])])
    with torch.no_grad():
        head.fc2.weight.div_(t)
    torch.save(model.state_dict(), os.path.join(args.out, "best.pt"))
    log(fh, event="temperature", T=round(t, 4), val_bce_before=round(bce(1.0), 4),
        val_bce_after=round(bce(t), 4), val_studies=len(fva))


def train_joint(args):
    """The paper's joint multitask training, for the ablation of the 2-D
    phase: per step one COVID-19 and one other study, a crop of --depth
    slices of each through the backbone; lesion loss (BCE + soft Dice) on the
    COVID-19 and normal crops, classification BCE (weight 0.1, as in the
    paper) on both; then BN re-estimation and one validation of lesion Dice
    and classifier AUC (the same as phase 1 + phase 2 report)."""
    device = args.device
    rng, pool, val, _, medseg_val, model, opt, fh = multitask_setup(args, False)
    log(fh, event="start", phase="joint", args=vars(args), train_studies=len(pool.studies))
    budget = args.minutes * 60.0
    t0 = time.time()
    step, run = 0, None

    def crop(s):
        hu, les = multitask_crop(s, rng, args.depth, args.height, args.width)
        x = torch.from_numpy(common.window(augment_hu(hu, rng)))[:, None]
        return x, torch.from_numpy((les > 0).astype(np.float32))[:, None]

    while time.time() - t0 < budget:
        lr = set_lr(opt, args, step, (time.time() - t0) / budget)
        model.train()
        seg_losses, cls_logits, cls_targets = [], [], []
        for covid in (True, False):
            s = pool.pick(rng, covid=covid)
            x, y = crop(s)
            f = model.backbone(to_fmt(x.to(device)))            # [d, C, h, w]
            if covid or int(s["label"]) == 0:
                logit = model.seg_head(f)
                seg_losses.append(F.binary_cross_entropy_with_logits(logit, y.to(device))
                                  + soft_dice_loss(torch.sigmoid(logit), y.to(device)))
            cls_logits.append(model.cls_head(f.permute(1, 2, 3, 0)[None].contiguous()))
            cls_targets.append(1.0 if covid else 0.0)
        loss = (torch.stack(seg_losses).mean()
                + 0.1 * F.binary_cross_entropy_with_logits(torch.cat(cls_logits),
                                                           torch.tensor(cls_targets, device=device)))
        loss = optimiser_step(opt, loss)
        step += 1
        run = loss if run is None else 0.95 * run + 0.05 * loss
        if step % 10 == 0:
            log(fh, step=step, lr=lr, loss=round(run, 4), elapsed=round(time.time() - t0, 1))
    reestimate_bn(model, [crop(pool.pick(rng, covid=bool(i % 2)))[0] for i in range(args.bn_batches)],
                  lambda m, bb: m.backbone(to_fmt(bb.to(device))))
    metrics = validate_seg(model, val, medseg_val, device, cls=True)
    log(fh, event="val", step=step, **metrics)
    torch.save(model.state_dict(), os.path.join(args.out, "joint-last.pt"))
    log(fh, event="end", phase="joint", steps=step, seconds=round(time.time() - t0, 1))


# --------------------------------------------------------------------- lungs

def lungs_batch(pool, rng, args, no_lung=()):
    """Phantom slices (lungs as target) and --real-neg-lungs real slices
    without lung (realdata.load_real_no_lung: target all zero), size x size
    crops on the 2 mm grid."""
    xs, ys = [], []
    for _ in range(args.real_neg_lungs if len(no_lung) else 0):
        hu = no_lung[rng.integers(len(no_lung))]
        if rng.random() < args.zoom_p:
            hu = F.interpolate(torch.from_numpy(hu)[None, None], scale_factor=rng.uniform(0.8, 1.3),
                               mode="bilinear", align_corners=False)[0, 0].numpy()
        H, W = hu.shape
        oy = int(rng.integers(min(0, H - args.size), max(0, H - args.size) + 1))
        ox = int(rng.integers(min(0, W - args.size), max(0, W - args.size) + 1))
        xs.append(augment_hu(crop2d(hu, oy, ox, args.size, args.size, PAD_HU), rng))
        ys.append(np.zeros((args.size, args.size), bool))
    for _ in range(args.batch):
        s = pool.studies[rng.integers(len(pool.studies))]
        (z0, _, _), (z1, _, _) = s["box"]
        # mostly slices through the lungs, some above / below them
        if rng.random() < 0.85:
            z = int(rng.integers(z0, z1))
        else:
            z = int(rng.integers(0, len(s["hu"])))
        hu, lungs = s["hu"][z].astype(np.float32), s["lungs"][z]
        if rng.random() < args.zoom_p:
            # larger patients: zoom the slice about its centre by 1.0-1.5
            # (real bodies often fill the field of view; phantoms rarely do)
            zf = rng.uniform(1.0, 1.5)
            H0, W0 = hu.shape
            t = torch.from_numpy(np.stack([hu, lungs.astype(np.float32)]))[:, None]
            t = F.interpolate(t, scale_factor=zf, mode="bilinear", align_corners=False)[:, 0].numpy()
            oy, ox = (t.shape[1] - H0) // 2, (t.shape[2] - W0) // 2
            hu = t[0, oy:oy + H0, ox:ox + W0]
            lungs = (t[1, oy:oy + H0, ox:ox + W0] > 0.5).astype(np.uint8)
        H, W = hu.shape
        oy = int(rng.integers(min(0, H - args.size), max(0, H - args.size) + 1))
        ox = int(rng.integers(min(0, W - args.size), max(0, W - args.size) + 1))
        xs.append(augment_hu(crop2d(hu, oy, ox, args.size, args.size, PAD_HU), rng))
        ys.append(crop2d(lungs, oy, ox, args.size, args.size, 0) > 0)
    return (torch.from_numpy(common.window(np.stack(xs)))[:, None],
            torch.from_numpy(np.stack(ys).astype(np.float32))[:, None])


def lungs_infer(model, hu_stack, device, chunk=8):
    x = torch.from_numpy(common.window(hu_stack.astype(np.float32)))
    out = []
    with torch.no_grad():
        for i in range(0, len(x), chunk):
            out.append(torch.sigmoid(model(to_fmt(x[i:i + chunk, None].to(device))))[:, 0].cpu())
    return torch.cat(out).numpy()


def validate_lungs(model, val, device, rng):
    model.eval()
    inter, tot = 0, 0
    for s in val:
        zs = np.linspace(0, len(s["hu"]) - 1, 6).astype(int)
        prob = lungs_infer(model, s["hu"][zs], device)
        truth = s["lungs"][zs] > 0
        inter += 2 * ((prob >= 0.5) & truth).sum()
        tot += (prob >= 0.5).sum() + truth.sum()
    return {"lung_dice": float(inter / max(tot, 1))}


def train_lungs(args):
    device = args.device
    rng = np.random.default_rng(args.seed)
    torch.manual_seed(args.seed)
    pool = StudyPool(args.cache, "train")
    val = StudyPool(args.cache, "val").studies
    model = build("lungs").to(device)
    if args.init:
        model.load_state_dict(load_init(args.init, "lungs").state_dict())
    no_lung = []
    if args.real_neg_lungs:
        import realdata
        no_lung = [hu for _, hu in realdata.load_real_no_lung()]
    to_fmt_model(model)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    os.makedirs(args.out, exist_ok=True)
    fh = open(os.path.join(args.out, "log.jsonl"), "a")
    log(fh, event="start", args=vars(args), train_studies=len(pool.studies), val_studies=len(val))
    budget = args.minutes * 60.0
    t0 = time.time()
    step, run, best, last_val = 0, None, None, t0
    while time.time() - t0 < budget:
        frac = (time.time() - t0) / budget
        lr = args.lr * (0.1 if frac >= args.low_lr else 1.0)
        if step < args.warmup:
            lr = lr * (step + 1) / args.warmup
        for g in opt.param_groups:
            g["lr"] = lr
        model.train()
        x, y = lungs_batch(pool, rng, args, no_lung)
        logit = model(to_fmt(x.to(device)))
        loss = bce_dice_step(opt, logit, y.to(device))
        step += 1
        run = loss if run is None else 0.95 * run + 0.05 * loss
        if step % 10 == 0:
            log(fh, step=step, lr=lr, loss=round(run, 4), elapsed=round(time.time() - t0, 1))
        if step % 100 == 0:
            pool.refresh()
        last = time.time() - t0 >= budget
        if time.time() - last_val >= args.val_minutes * 60 or last:
            last_val = time.time()
            cand = copy.deepcopy(model)
            reestimate_bn(cand, [lungs_batch(pool, rng, args, no_lung)[0] for _ in range(args.bn_batches)],
                          lambda m, bb: m(to_fmt(bb.to(device))))
            metrics = validate_lungs(cand, val, device, rng)
            log(fh, event="val", step=step, **metrics)
            torch.save(cand.state_dict(), os.path.join(args.out, "last.pt"))
            if best is None or metrics["lung_dice"] > best:
                best = metrics["lung_dice"]
                torch.save(cand.state_dict(), os.path.join(args.out, "best.pt"))
                with open(os.path.join(args.out, "best.json"), "w") as f:
                    json.dump(dict(step=step, **metrics), f, indent=1)
                log(fh, event="best", step=step, lung_dice=round(best, 4))
            del cand
    log(fh, event="end", steps=step, seconds=round(time.time() - t0, 1))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("network", choices=("lungs", "seg", "cls", "joint"),
                    help="lungs: lung network; seg: multitask backbone + lesion head "
                         "(phase 1); cls: its classifier on frozen features (phase 2); "
                         "joint: both together as in the paper (ablation)")
    ap.add_argument("--cache", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--minutes", type=float, default=45)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--init", help="start from this state_dict (lungs: continue a run; "
                                   "cls: the segmentation checkpoint)")
    ap.add_argument("--val-minutes", type=float, default=6)
    ap.add_argument("--bn-batches", type=int, default=12)
    ap.add_argument("--warmup", type=int, default=30)
    # multitask
    ap.add_argument("--seg-batch", type=int, default=6, help="phantom slices per step")
    ap.add_argument("--max-slices", type=int, default=48, help="cls: slices per study")
    ap.add_argument("--cls-minutes", type=float, default=8)
    ap.add_argument("--cls-lr", type=float, default=3e-4)
    ap.add_argument("--cls-batch", type=int, default=8)
    ap.add_argument("--height", type=int, default=96)
    ap.add_argument("--width", type=int, default=128)
    ap.add_argument("--medseg-slices", type=int, default=2, help="MedSeg slices per step")
    ap.add_argument("--lr", type=float, default=1e-3)
    # seg ablations (docs/model-card.md, "What each change buys")
    ap.add_argument("--depth", type=int, default=16, help="joint: slices per crop")
    ap.add_argument("--max-steps", type=int, default=0,
                    help="seg: stop after this many steps (0: the clock decides)")
    ap.add_argument("--no-dice", action="store_true", help="seg: BCE alone, no Dice term")
    ap.add_argument("--anchored-share", type=float, default=0.5,
                    help="seg: share of crops that must contain a lesion")
    ap.add_argument("--raw-bn-too", action="store_true",
                    help="seg: also validate with the running BN statistics")
    ap.add_argument("--pseudo", help="seg: pseudo-labelled real slices (pseudo_label.py)")
    ap.add_argument("--pseudo-slices", type=int, default=2, help="seg: pseudo-labelled slices per step")
    ap.add_argument("--pseudo-hi", type=float, default=0.6, help="seg: lesion where the teacher >= this")
    ap.add_argument("--pseudo-lo", type=float, default=0.15, help="seg: no lesion where the teacher <= this")
    ap.add_argument("--real-neg-slices", type=int, default=0,
                    help="seg: real normal slices (realdata 'train') per step")
    ap.add_argument("--real-aug", action="store_true",
                    help="seg: scanner/JPEG augmentation (size, sharpness, contrast) of MedSeg slices too")
    ap.add_argument("--temperature", action="store_true",
                    help="cls: fit a temperature on the validation studies, fold it into fc2")
    ap.add_argument("--lr3", type=float, default=1e-4, help="LR after --low-lr")
    ap.add_argument("--low-lr", type=float, default=0.8, help="fraction where the LR drops")
    # lungs
    ap.add_argument("--batch", type=int, default=6)
    ap.add_argument("--size", type=int, default=160)
    ap.add_argument("--zoom-p", type=float, default=0.0, help="lungs: share of zoomed slices")
    ap.add_argument("--real-neg-lungs", type=int, default=0,
                    help="lungs: real slices without lung (ct-series-20) per step")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    {"lungs": train_lungs, "seg": train_seg, "cls": train_cls,
     "joint": train_joint}[args.network](args)


if __name__ == "__main__":
    main()
