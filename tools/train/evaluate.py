# SPDX-License-Identifier: MIT
"""Evaluate the shipped weights; prints Markdown tables and writes JSON.

Usage:
  OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 tools/train/evaluate.py --cache DIR \
      [--parts phantom-lungs,phantom-multitask,medseg,real-lungs] [--threads 1] \
      [--json docs/model-card-metrics.json]

Parts:
- phantom-lungs: lung Dice (threshold from the weights) on 6 evenly spaced
  slices of every held-out phantom (CACHE/test).
- phantom-multitask: every held-out phantom cropped to the box of its TRUE
  lung mask, at most --max-slices evenly spaced slices; study probability ->
  ROC AUC COVID-19 vs each other class and vs all; lesion Dice (pooled and
  mean per COVID-19 study); severity (more-affected lung, lesions inside the
  true lung masks on those slices) -> Spearman with the generator's severity
  and mean absolute error in percentage points.
- medseg: the held-out MedSeg slices (tight crops around the lungs: the
  classical lung mask drops the body and border rules, see classical_lungs) (common.medseg_split) -> lesion Dice of
  the model (raw, and inside a classical lung mask) and of the -750..-400 HU
  threshold baseline inside the same classical lung mask, against the
  radiologists' masks (ground glass + consolidation).
- real-lesions: covid-ny-sbu axial slices through both networks (lung box of
  the predicted lungs, single slice); no expert masks: lesion share of lung
  only, overlays with --overlays.
- real-lungs: the axial slices of covid-ny-sbu and lungmask-slices, HU from
  DICOM, resampled to 2 mm -> Dice of the lung network vs the classical
  segmentation below (no expert lung masks exist here).

Classical lung segmentation (2 mm slice): body = largest component of
HU > -500 with holes filled; candidates = HU < -400 inside the body; drop
components touching the image border and those under 8 cm^2 (trachea,
bowel gas); closing with a 3-pixel disk and hole filling per component.
"""

import argparse
import glob
import json
import math
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402
from model import load_safetensors_model  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def disk(r):
    y, x = np.mgrid[-r:r + 1, -r:r + 1]
    return (x * x + y * y) <= r * r


def classical_lungs(hu, cropped=False):
    """cropped: the image is a tight crop around the lungs (MedSeg), lungs may
    touch its border: no body and border rules; instead components whose
    median is below -1150 HU (outside air, saturated black in the 8-bit
    lung window) are dropped."""
    from scipy import ndimage as ndi
    body = hu > -500
    if cropped:
        body = np.ones_like(body)
    lab, n = ndi.label(body)
    if n == 0:
        return np.zeros_like(body)
    sizes = ndi.sum(body, lab, range(1, n + 1))
    body = ndi.binary_fill_holes(lab == (1 + int(np.argmax(sizes))))
    cand = (hu < -400) & body
    lab, n = ndi.label(cand)
    out = np.zeros_like(cand)
    min_px = 800.0 / (2.0 * 2.0)   # 8 cm^2 at 2 mm
    for i in range(1, n + 1):
        comp = lab == i
        if comp.sum() < min_px:
            continue
        if cropped:
            if np.median(hu[comp]) < -1150:
                continue
        elif comp[0].any() or comp[-1].any() or comp[:, 0].any() or comp[:, -1].any():
            continue
        comp = ndi.binary_closing(comp, structure=disk(3), iterations=1)
        out |= ndi.binary_fill_holes(comp)
    return out


def lungs_prob(model, hu_stack, chunk=4):
    x = torch.from_numpy(common.window(hu_stack.astype(np.float32)))
    out = []
    with torch.no_grad():
        for i in range(0, len(x), chunk):
            out.append(torch.sigmoid(model(x[i:i + chunk, None]))[:, 0])
    return torch.cat(out).numpy()


def multitask_run(model, hu_stack, chunk=8):
    x = torch.from_numpy(common.window(hu_stack.astype(np.float32)))
    feats, probs = [], []
    with torch.no_grad():
        for i in range(0, len(x), chunk):
            f = model.backbone(x[i:i + chunk, None])
            probs.append(torch.sigmoid(model.seg_head(f)[:, 0]))
            feats.append(f)
        f = torch.cat(feats).permute(1, 2, 3, 0)
        p = None
        if min(f.shape[1:]) >= 8:
            p = float(torch.sigmoid(model.cls_head(f[None]))[0])
    return torch.cat(probs).numpy(), p


def pooled(pairs):
    inter = sum(2 * (p & t).sum() for p, t in pairs)
    tot = sum(p.sum() + t.sum() for p, t in pairs)
    return float(inter / tot) if tot else float("nan")


def phantom_lungs(args, res):
    model, meta = load_safetensors_model(args.lungs)
    thr = float(meta["threshold"])
    pairs, per = [], []
    for path in common.study_paths(args.cache, "test"):
        s = common.load_study(path)
        zs = np.linspace(0, len(s["hu"]) - 1, 6).round().astype(int)
        pred = lungs_prob(model, s["hu"][zs]) >= thr
        truth = s["lungs"][zs] > 0
        pairs.append((pred, truth))
        per.append(common.dice(pred, truth))
    res["phantom_lungs"] = {"studies": len(per), "slices_per_study": 6,
                            "dice_pooled": pooled(pairs), "dice_mean": float(np.nanmean(per)),
                            "dice_min": float(np.nanmin(per))}


def phantom_multitask(args, res):
    model, meta = load_safetensors_model(args.multitask)
    thr = float(meta["threshold"])
    rows = []
    pairs = []
    for path in common.study_paths(args.cache, "test"):
        s = common.load_study(path)
        (z0, y0, x0), (z1, y1, x1) = common.lung_box(s["lungs"])
        zs = np.arange(z0, z1)
        if len(zs) > args.max_slices:
            zs = np.linspace(z0, z1 - 1, args.max_slices).round().astype(int)
        hu = s["hu"][zs, y0:y1, x0:x1]
        prob, p = multitask_run(model, hu)
        pred = prob >= thr
        lungs = s["lungs"][zs, y0:y1, x0:x1]
        truth = s["lesions"][zs, y0:y1, x0:x1] > 0
        sev = 0.0
        for side in (1, 2):
            n = (lungs == side).sum()
            if n:
                sev = max(sev, float((pred & (lungs == side)).sum()) / n)
        row = {"study": os.path.basename(path), "label": int(s["label"]), "p": p,
               "severity_true": float(s["severity"]), "severity_pred": sev}
        if int(s["label"]) == 1:
            row["dice"] = common.dice(pred, truth)
            pairs.append((pred, truth))
        rows.append(row)
    scores = {c: [r["p"] for r in rows if r["label"] == c and r["p"] is not None] for c in range(4)}
    auc = {name: common.roc_auc(scores[1], scores[c])
           for c, name in ((0, "normal"), (2, "bacterial"), (3, "nodules"))}
    auc["all_others"] = common.roc_auc(scores[1], scores[0] + scores[2] + scores[3])
    cov = [r for r in rows if r["label"] == 1]
    calib = calibration([r["p"] for r in rows if r["p"] is not None],
                        [r["label"] == 1 for r in rows if r["p"] is not None])
    if args.reliability:
        reliability_png(args.reliability, calib, os.path.basename(args.multitask))
    res["phantom_multitask"] = {
        "calibration": calib,
        "studies": {n: len(scores[c]) for c, n in enumerate(("normal", "covid", "bacterial", "nodules"))},
        "max_slices": args.max_slices, "threshold": thr,
        "auc_covid_vs": auc,
        "lesion_dice_pooled": pooled(pairs),
        "lesion_dice_mean": float(np.nanmean([r["dice"] for r in cov])),
        "severity_spearman": common.spearman([r["severity_true"] for r in cov],
                                             [r["severity_pred"] for r in cov]),
        "severity_mae_pp": float(np.mean([abs(r["severity_true"] - r["severity_pred"]) * 100
                                          for r in cov])),
        "severity_pred_non_covid_mean_pct": float(np.mean([r["severity_pred"] * 100 for r in rows
                                                           if r["label"] != 1])),
        "rows": rows,
    }


def calibration(p, y, bins=10):
    """Expected calibration error over `bins` equal-width bins of the
    predicted probability (sum over bins of |mean p - share positive| x
    share of studies), Brier score, and the bins for the diagram."""
    p, y = np.asarray(p, float), np.asarray(y, float)
    edges = np.linspace(0, 1, bins + 1)
    rows, ece = [], 0.0
    for k in range(bins):
        m = (p >= edges[k]) & ((p < edges[k + 1]) if k < bins - 1 else (p <= 1))
        if m.sum():
            ece += m.mean() * abs(p[m].mean() - y[m].mean())
            rows.append({"lo": float(edges[k]), "hi": float(edges[k + 1]), "n": int(m.sum()),
                         "mean_p": float(p[m].mean()), "share_covid": float(y[m].mean())})
    return {"studies": int(len(p)), "ece": float(ece), "brier": float(np.mean((p - y) ** 2)),
            "bins": rows}


def reliability_png(path, calib, title):
    """Reliability diagram (PIL; no plotting library in the stack): share of
    COVID-19 studies against the mean predicted probability per bin, bar
    width by bin, the count above each bar, the diagonal for perfect
    calibration."""
    from PIL import Image, ImageDraw
    W, H, m = 560, 520, 60
    im = Image.new("RGB", (W, H), "white")
    d = ImageDraw.Draw(im)
    x0, y0, x1, y1 = m, 56, W - 24, H - m
    sx = lambda v: x0 + v * (x1 - x0)
    sy = lambda v: y1 - v * (y1 - y0)
    for b in calib["bins"]:
        d.rectangle([sx(b["lo"]) + 2, sy(b["share_covid"]), sx(b["hi"]) - 2, y1], fill=(120, 160, 220),
                    outline=(40, 70, 140))
        d.ellipse([sx(b["mean_p"]) - 4, sy(b["share_covid"]) - 4, sx(b["mean_p"]) + 4,
                   sy(b["share_covid"]) + 4], fill=(200, 40, 40))
        top = sy(b["share_covid"])
        inside = top < y0 + 20          # a full bar: the count goes inside it
        d.text((sx((b["lo"] + b["hi"]) / 2) - 6, top + 4 if inside else top - 16), str(b["n"]),
               fill="white" if inside else "black")
    d.line([sx(0), sy(0), sx(1), sy(1)], fill=(90, 90, 90), width=1)
    d.rectangle([x0, y0, x1, y1], outline="black")
    for v in (0, 0.2, 0.4, 0.6, 0.8, 1.0):
        d.text((sx(v) - 8, y1 + 6), f"{v:.1f}", fill="black")
        d.text((x0 - 30, sy(v) - 6), f"{v:.1f}", fill="black")
    d.text((x0, y1 + 24), "predicted COVID-19 probability (bins of 0.1; red dot: mean in the bin)",
           fill="black")
    d.text((8, 8), f"{title}: COVID-19 share per bin (count on each bar)", fill="black")
    d.text((8, 24), f"{calib['studies']} held-out phantoms; ECE {calib['ece']:.3f}, Brier {calib['brier']:.3f}; "
                    "diagonal: perfect calibration", fill="black")
    im.save(path)


def medseg(args, res):
    model, meta = load_safetensors_model(args.multitask)
    thr = float(meta["threshold"])
    _, held = common.medseg_split()
    items = common.load_medseg(held)
    raw, inl, base, per = [], [], [], []
    for i, hu, les, _ in items:
        prob, _ = multitask_run(model, hu[None])
        pred = prob[0] >= thr
        truth = les > 0
        lung = classical_lungs(hu, cropped=True)
        b = (hu >= -750) & (hu <= -400) & lung
        raw.append((pred, truth))
        inl.append((pred & lung, truth))
        base.append((b, truth))
        per.append({"id": i, "model": common.dice(pred, truth),
                    "model_in_lung": common.dice(pred & lung, truth),
                    "threshold_baseline": common.dice(b, truth),
                    "lesion_fraction_of_slice": float(truth.mean())})
    res["medseg_held_out"] = {
        "ids": held, "threshold": thr,
        "model_dice_pooled": pooled(raw), "model_in_lung_dice_pooled": pooled(inl),
        "baseline_dice_pooled": pooled(base),
        "model_dice_mean": float(np.nanmean([p["model"] for p in per])),
        "baseline_dice_mean": float(np.nanmean([p["threshold_baseline"] for p in per])),
        "per_slice": per}


def read_dicom_2mm(path):
    import pydicom
    d = pydicom.dcmread(path)
    hu = d.pixel_array.astype(np.float32) * float(d.RescaleSlope) + float(d.RescaleIntercept)
    iop = [round(float(v)) for v in d.ImageOrientationPatient]
    if iop[:3] == [-1, 0, 0]:
        hu = hu[:, ::-1]
    if iop[3:] == [0, -1, 0]:
        hu = hu[::-1]
    sp = [float(v) for v in d.PixelSpacing]   # row spacing, column spacing
    return common.resample_inplane(hu[None], (sp[0], sp[1]))[0]


def real_lungs(args, res):
    model, meta = load_safetensors_model(args.lungs)
    thr = float(meta["threshold"])
    out = {}
    for name, pattern in (("covid-ny-sbu", "covid-ny-sbu/*/axial/*.dcm"),
                          ("lungmask-slices", "lungmask-slices/*.dcm")):
        per, pairs = [], []
        for f in sorted(glob.glob(os.path.join(common.DATA, pattern))):
            hu = read_dicom_2mm(f)
            pred = lungs_prob(model, hu[None])[0] >= thr
            ref = classical_lungs(hu)
            pairs.append((pred, ref))
            per.append({"file": os.path.relpath(f, common.DATA), "dice": common.dice(pred, ref),
                        "pred_ml_per_cm": float(pred.sum() * 0.04), "ref_ml_per_cm": float(ref.sum() * 0.04)})
        with_lungs = [p for p in per if p["ref_ml_per_cm"] > 0]
        without = [p for p in per if p["ref_ml_per_cm"] == 0]
        out[name] = {"slices": len(per), "dice_pooled": pooled(pairs),
                     "slices_with_lungs": len(with_lungs),
                     "dice_mean_slices_with_lungs": float(np.mean([p["dice"] for p in with_lungs]))
                     if with_lungs else None,
                     "predicted_cm2_on_slices_without_lungs": [round(p["pred_ml_per_cm"], 1)
                                                               for p in without],
                     "dice_mean": float(np.nanmean([p["dice"] for p in per])) if per else None,
                     "dice_min": float(np.nanmin([p["dice"] for p in per])) if per else None,
                     "per_slice": per}
    res["real_lungs_vs_classical"] = out


def lesions_in_lung_box(model, hu, lung, threshold):
    """One slice [H,W] HU through the lesion head on the bounding box of
    @lung (as the pipeline crops to the lung box) -> lesion mask [H,W], False
    outside the box."""
    ys, xs = np.nonzero(lung)
    y0, y1, x0, x1 = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
    prob, _ = multitask_run(model, hu[None, y0:y1, x0:x1])
    les = np.zeros_like(lung)
    les[y0:y1, x0:x1] = prob[0] >= threshold
    return les


def real_lesions(args, res):
    """covid-ny-sbu axial slices: lung network -> lung box -> lesion head;
    no expert masks exist: reports the lesion share of the predicted lungs
    (and writes overlays with --overlays DIR for a visual check)."""
    lungs_model, lmeta = load_safetensors_model(args.lungs)
    mt, mmeta = load_safetensors_model(args.multitask)
    lthr, mthr = float(lmeta["threshold"]), float(mmeta["threshold"])
    rows = []
    for f in sorted(glob.glob(os.path.join(common.DATA, "covid-ny-sbu/*/axial/*.dcm"))):
        hu = read_dicom_2mm(f)
        lung = lungs_prob(lungs_model, hu[None])[0] >= lthr
        les = lesions_in_lung_box(mt, hu, lung, mthr) if lung.sum() > 50 else np.zeros_like(lung)
        share = float((les & lung).sum() / max(lung.sum(), 1))
        rows.append({"file": os.path.relpath(f, common.DATA), "lung_cm2": float(lung.sum() * 0.04),
                     "lesion_share_of_lung_pct": round(100 * share, 1)})
        if args.overlays:
            from PIL import Image
            os.makedirs(args.overlays, exist_ok=True)
            a = np.clip((hu + 1350) / 1500, 0, 1) * 255
            rgb = np.stack([a, a, a], -1)
            edge = lung & ~np.roll(lung, 1, 0) | lung & ~np.roll(lung, 1, 1)
            rgb[edge] = (0, 255, 0)
            rgb[les & lung, 0] = 255
            name = rows[-1]["file"].replace("/", "_").replace(".dcm", ".png")
            Image.fromarray(np.concatenate([np.stack([a, a, a], -1), rgb], 1).astype(np.uint8)).save(
                os.path.join(args.overlays, name))
    res["real_lesions_covid_ny_sbu"] = {"threshold": mthr, "per_slice": rows}


def real_normal(args, res):
    """Lesion share predicted on real lung without COVID-19 (issue 12,
    target <= 1 %): the lesion head on the box of the classical lung mask of
    each slice, share of that mask marked (realdata.load_real_normal:
    'held-out' slices were never trained on; 'train' slices served as lesion
    negatives in the semi-supervised fine-tune, train.py --real-neg-slices,
    and are listed apart)."""
    import realdata
    mt, mmeta = load_safetensors_model(args.multitask)
    thr = float(mmeta["threshold"])
    out = {}
    for which in ("held-out", "train"):
        rows, les_sum, lung_sum = [], 0, 0
        for name, hu in realdata.load_real_normal(which):
            lung = classical_lungs(hu, cropped=True)
            if lung.sum() < 100:        # under 4 cm^2 of lung: nothing to measure
                continue
            n = int((lesions_in_lung_box(mt, hu, lung, thr) & lung).sum())
            les_sum += n
            lung_sum += int(lung.sum())
            rows.append({"slice": name, "lung_cm2": round(float(lung.sum() * 0.04), 1),
                         "lesion_share_of_lung_pct": round(100.0 * n / lung.sum(), 2)})
        out[which] = {"slices": len(rows), "lesion_share_pooled_pct": round(100.0 * les_sum / max(lung_sum, 1), 2),
                      "lesion_share_max_pct": max((r["lesion_share_of_lung_pct"] for r in rows), default=None),
                      "per_slice": rows}
    res["real_normal_lesion_share"] = out


def main():
    ap = argparse.ArgumentParser()
    root = os.path.dirname(os.path.dirname(HERE))
    ap.add_argument("--cache", required=True)
    ap.add_argument("--lungs", default=os.path.join(root, "resources", "models", "lungs.safetensors"))
    ap.add_argument("--multitask", default=os.path.join(root, "resources", "models",
                                                        "multitask-spatial.safetensors"))
    ap.add_argument("--parts", default="phantom-lungs,phantom-multitask,medseg,real-lungs")
    ap.add_argument("--max-slices", type=int, default=24)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--json", help="merge results into this JSON file")
    ap.add_argument("--overlays", help="real-lesions: write overlay PNGs here")
    ap.add_argument("--reliability", help="phantom-multitask: write the reliability diagram PNG here")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    res = {}
    fns = {"phantom-lungs": phantom_lungs, "phantom-multitask": phantom_multitask,
           "medseg": medseg, "real-lungs": real_lungs, "real-lesions": real_lesions,
           "real-normal": real_normal}
    for part in args.parts.split(","):
        t = time.time()
        fns[part](args, res)
        print(f"# {part}: {time.time() - t:.0f} s", flush=True)
    def slim(v):
        if isinstance(v, dict):
            return {a: slim(b) for a, b in v.items() if a not in ("rows", "per_slice")}
        return v
    for k, v in res.items():
        print(k, json.dumps(slim(v), indent=1, default=float))
    if args.json:
        old = {}
        if os.path.exists(args.json):
            old = json.load(open(args.json))
        old.update(res)
        with open(args.json, "w") as f:
            # NaN (a Dice of two empty masks) is not JSON: written as null.
            json.dump(finite_or_null(old), f, indent=1, default=float, allow_nan=False)


def finite_or_null(v):
    """v with every NaN or infinite float replaced by None, for strict JSON."""
    if isinstance(v, dict):
        return {a: finite_or_null(b) for a, b in v.items()}
    if isinstance(v, (list, tuple)):
        return [finite_or_null(b) for b in v]
    if isinstance(v, (float, np.floating)) and not math.isfinite(v):
        return None
    return v


if __name__ == "__main__":
    main()
