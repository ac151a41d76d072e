# SPDX-License-Identifier: MIT
"""Real slices for semi-supervised lesion training (issue 12): the 1,600
unlabelled COVID-19-CT-Seg slices, their pseudo-labels, and real normal lung
used as lesion negatives. Everything on the network grid (2 mm in plane,
rows anterior -> posterior, columns patient right -> left), HU float32.

The unlabelled slices are 8-bit JPEGs, each cropped to its lung box, stored
transposed, with a different window per case and no pixel size
(../shared/data/README.md). Per case (all its slices share scanner and
window) this module estimates:
- grey -> HU: two anchors, the mode of the lung parenchyma (grey 3..70 ->
  -870 HU, the usual peak of aerated lung) and of soft tissue (grey 90..250
  -> +40 HU), linear in between and beyond. Measured on the 20 cases:
  coronacases lung 12-17 / soft 100-104 (a window of about -1000..+1700 HU:
  bone at grey 190 lands near +1000 HU), Radiopaedia lung 22-100 / soft
  212-249 (about -1200..+170 HU, bone saturates at 255).
- orientation: after the transpose the spine lies at the top of coronacases
  and at the bottom of Radiopaedia cases (the brightest 1 % of pixels sit in
  one edge's fifth: 2,379-4,355 against 111-602 pixels); the case is flipped
  so that the spine is at the bottom (posterior), as in the network grid.
  Left and right cannot be told apart from a crop; lesion training does not
  need them.
- pixel size: the crop is the lung box, so the case's widest crop
  (left-right) is taken as 270 mm of lungs, clipped to 0.5-0.9 mm per pixel
  (this is an anatomical guess of +-15 %; training augments the in-plane
  scale by as much).
"""

import collections
import glob
import os

import numpy as np

import common

COVID_CT_SEG = os.path.join(common.DATA, "covid-ct-seg-slices")
LUNG_WIDTH_MM = 270.0


def case_files():
    """-> {case: [files sorted by slice number]}"""
    cases = collections.defaultdict(list)
    for f in glob.glob(os.path.join(COVID_CT_SEG, "*.jpg")):
        cases[os.path.basename(f).rsplit("_", 1)[0]].append(f)
    return {c: sorted(v, key=lambda f: int(f.rsplit("_", 1)[1][:-4])) for c, v in sorted(cases.items())}


def _grey(f):
    from PIL import Image
    return np.array(Image.open(f).convert("L"))


def case_calibration(files):
    """-> (g_lung, g_soft, spine_at_stored_left, mm_per_pixel) of one case."""
    sub = files[len(files) // 4:max(len(files) // 4 + 1, 3 * len(files) // 4):max(1, len(files) // 10)]
    greys = [_grey(f) for f in sub]
    h = np.bincount(np.concatenate([g.ravel() for g in greys]), minlength=256)
    g_lung = int(np.argmax(h[3:71])) + 3
    g_soft = int(np.argmax(h[90:251])) + 90
    left = right = 0
    for g in greys:
        t = np.percentile(g, 99)
        k = max(1, g.shape[1] // 5)
        left += int((g[:, :k] >= t).sum())
        right += int((g[:, -k:] >= t).sum())
    from PIL import Image
    widest = max(Image.open(f).size[1] for f in files)   # stored rows = left-right; header only
    mm = float(np.clip(LUNG_WIDTH_MM / widest, 0.5, 0.9))
    return g_lung, g_soft, left > right, mm


def grey_to_hu(grey, g_lung, g_soft):
    slope = (40.0 + 870.0) / max(g_soft - g_lung, 10)
    return (-870.0 + slope * (grey.astype(np.float32) - g_lung)).astype(np.float32)


def load_unlabelled(max_per_case=0):
    """-> list of dict(case, file, hu [H,W] 2 mm grid)."""
    out = []
    for case, files in case_files().items():
        g_lung, g_soft, spine_left, mm = case_calibration(files)
        if max_per_case:
            files = files[::max(1, len(files) // max_per_case)][:max_per_case]
        for f in files:
            hu = grey_to_hu(_grey(f), g_lung, g_soft).T   # transposed: rows anterior-posterior
            if spine_left:
                hu = hu[::-1]                               # spine (stored left) to the bottom
            hu2 = common.resample_inplane(np.ascontiguousarray(hu)[None], (mm, mm))[0]
            out.append({"case": case, "file": os.path.basename(f), "hu": hu2})
    return out


def save_pseudo(path, items, probs):
    """One .npz: hu float16 [N] ragged as object arrays would not load
    without pickle, so slices are stored flat with their shapes."""
    shapes = np.array([it["hu"].shape for it in items], np.int32)
    np.savez(path, shapes=shapes,
             hu=np.concatenate([it["hu"].ravel() for it in items]).astype(np.float16),
             prob=np.concatenate([np.round(p.ravel() * 255) for p in probs]).astype(np.uint8),
             case=np.array([it["case"] for it in items]),
             files=np.array([it["file"] for it in items]))


def load_pseudo(path):
    """-> list of (case, hu [H,W] float32, prob [H,W] float32 0..1)."""
    z = np.load(path)
    out, o = [], 0
    for (h, w), case in zip(z["shapes"], z["case"]):
        n = int(h) * int(w)
        out.append((str(case), z["hu"][o:o + n].reshape(h, w).astype(np.float32),
                    z["prob"][o:o + n].reshape(h, w).astype(np.float32) / 255.0))
        o += n
    return out


def load_real_no_lung():
    """ct-series-20: 20 real slices of the upper abdomen (liver, spleen,
    stomach and colon with gas) and no lung at all: its TotalSegmentator
    mask (example_seg_dicom.nii.gz) has no lung label. Negatives of the lung
    network (issue 12, item 2). The DICOM files are JPEG 2000; dcm2niix
    (build-aux/install-deps --tools) converts them. -> list of (name, hu 2 mm)."""
    import subprocess
    import tempfile
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["dcm2niix", "-z", "n", "-f", "ct20", "-o", tmp,
                        os.path.join(common.DATA, "ct-series-20", "dicom")],
                       check=True, stdout=subprocess.DEVNULL)
        return nifti_slices_2mm(os.path.join(tmp, "ct20.nii"), "ct-series-20")


def nifti_slices_2mm(path, name):
    """A NIfTI volume's axial slices on the network grid: (f"{name}#{k}",
    hu [H,W] at 2 mm) for every slice k, superior first."""
    import nibabel
    img = nibabel.as_closest_canonical(nibabel.load(path))
    vol = np.asarray(img.dataobj, np.float32)   # RAS+: [x to patient right, y anterior, z superior]
    sx, sy, _ = img.header.get_zooms()
    # network grid [z, y, x]: slices superior first, rows anterior -> posterior, columns right -> left
    v = np.transpose(vol, (2, 1, 0))[::-1, ::-1, ::-1]
    return [(f"{name}#{k}", common.resample_inplane(np.ascontiguousarray(v[k])[None], (sy, sx))[0])
            for k in range(v.shape[0])]


NORMAL_SPLIT = 56   # chest_crop slices 0..55 (upper) train, 56..111 (lower) held out


def load_real_normal(which):
    """Real lung without COVID-19: ct-series-20/chest_crop_1.5mm.nii.gz, the
    only one here (one patient, 112 slices of 1.5 mm, lungs beside the
    mediastinum). 'train': its upper 56 slices, lesion negatives of the
    fine-tune; 'held-out': its lower 56 slices, only measured (the two blocks
    touch at the split: the slices nearest it are 1.5 mm apart, the mean
    distance is 84 mm). Not used: lungmask-slices/0.dcm and 1.dcm
    (the same slice twice; its lungs have a median of -664 HU, -638 HU in
    the posterior half: dependent density or ground glass, not normal lung)
    and dicom-transfer-syntaxes/CTImage.dcm (thoracic inlet, no lung).
    -> list of (name, hu [H,W] 2 mm grid)."""
    path = os.path.join(common.DATA, "ct-series-20", "chest_crop_1.5mm.nii.gz")
    slices = nifti_slices_2mm(path, "chest_crop_1.5mm.nii.gz")
    return slices[:NORMAL_SPLIT] if which == "train" else slices[NORMAL_SPLIT:]
