# SPDX-License-Identifier: MIT
"""A small numpy stand-in for the C phantom generator (tools/phantom/).

Used to test the training loop, and as a fallback data source when the C
generator is not built. Volumes come directly at 2 x 2 mm in plane, slice
thickness `dz` mm, HU float32 [D, H, W] (rows anterior -> posterior, columns
patient right -> patient left, slices superior -> inferior), with exact lung
(1 right, 2 left) and lesion masks.

Classes: 0 normal, 1 COVID-19, 2 bacterial pneumonia, 3 nodules.
"""

import numpy as np

CLASSES = ("normal", "covid", "bacterial", "nodules")


def _smooth_noise(rng, shape, sigma_px):
    """Correlated noise by FFT filtering, unit variance."""
    n = rng.standard_normal(shape).astype(np.float32)
    f = np.fft.rfftn(n)
    freqs = [np.fft.fftfreq(s) for s in shape[:-1]] + [np.fft.rfftfreq(shape[-1])]
    grids = np.meshgrid(*freqs, indexing="ij")
    r2 = sum((g * s) ** 2 for g, s in zip(grids, sigma_px))
    f *= np.exp(-2 * np.pi ** 2 * r2)
    out = np.fft.irfftn(f, s=shape).astype(np.float32)
    return out / (out.std() + 1e-6)


def generate(seed, label=None, slices=None, dz=None, h=176, w=208):
    rng = np.random.default_rng(seed)
    if label is None:
        label = int(rng.integers(0, 4))
    dz = float(dz or rng.choice([1.5, 2.5, 5.0]))
    height_mm = rng.uniform(200, 260)          # lung apex to base
    d = int(slices or int(height_mm / dz) + 6)
    z = (np.arange(d) + 0.5) * dz - 3 * dz     # mm below lung apex
    yy, xx = np.meshgrid(np.arange(h) * 2.0, np.arange(w) * 2.0, indexing="ij")
    cy, cx = h, w + rng.uniform(-10, 10)        # mm, centre
    by, bx = rng.uniform(110, 140), rng.uniform(150, 185)  # body semi-axes, mm
    vol = np.full((d, h, w), -1000.0, np.float32)
    lungs = np.zeros((d, h, w), np.uint8)
    body2 = ((yy - cy) / by) ** 2 + ((xx - cx) / bx) ** 2
    fat = rng.uniform(8, 20)
    for k in range(d):
        t = np.clip(z[k] / height_mm, -0.1, 1.2)
        sl = vol[k]
        sl[body2 <= 1] = rng.uniform(-110, -80)                      # fat
        inner = ((yy - cy) / (by - fat)) ** 2 + ((xx - cx) / (bx - fat)) ** 2
        sl[inner <= 1] = 45.0                                        # muscle / soft tissue
        # ribs: bright dots on an ellipse
        ang = np.linspace(0, 2 * np.pi, 22, endpoint=False) + 0.1 * k
        for a in ang:
            ry, rx = cy + (by - fat - 8) * np.sin(a), cx + (bx - fat - 8) * np.cos(a)
            sl[(yy - ry) ** 2 + (xx - rx) ** 2 < 25] = 700.0
        # spine (posterior centre)
        sl[(yy - (cy + by - 35)) ** 2 + (xx - cx) ** 2 < 225] = 600.0
        if 0 <= t <= 1:
            taper = np.sqrt(np.clip(t / 0.25, 0, 1)) * (1 - 0.5 * max(0.0, t - 0.7) / 0.3)
            for side, sgn in ((1, -1), (2, 1)):   # 1 right (image left), 2 left
                ly = cy - 5 + 0.1 * by * t
                lx = cx + sgn * (bx - fat) * 0.48
                ay, ax = (by - fat - 15) * 0.85 * taper, (bx - fat) * 0.42 * taper
                if ax < 3:
                    continue
                m = ((yy - ly) / max(ay, 1)) ** 2 + ((xx - lx) / max(ax, 1)) ** 2 <= 1
                # heart notch on the left lung
                if side == 2 and t > 0.5:
                    m &= ((yy - (cy - 10)) / 45) ** 2 + ((xx - (cx + 15)) / 45) ** 2 > 1
                # posterior dome of diaphragm: shrink at bottom
                lungs[k][m] = side
                sl[m] = -860.0
        # heart / mediastinum
        if t > 0.45:
            sl[((yy - (cy - 10)) / 42) ** 2 + ((xx - (cx + 12)) / 42) ** 2 <= 1] = 40.0
        sl[(yy - (cy + 20)) ** 2 + (xx - (cx + 15)) ** 2 < 100] = 45.0   # aorta
    # vessels: correlated noise, bright tubes inside lungs
    inlung = lungs > 0
    ves = _smooth_noise(rng, (d, h, w), (1.0 * 5 / dz, 3.0, 3.0))
    vol[inlung & (ves > 2.0)] = 30.0
    lesions = np.zeros((d, h, w), np.uint8)
    if label == 1:    # COVID: peripheral posterior multifocal GGO
        target = rng.uniform(0.01, 0.8)
        field = _smooth_noise(rng, (d, h, w), (8 / dz, 6.0, 6.0))
        # distance from lung centre -> periphery weight
        periph = np.zeros_like(vol)
        for k in range(d):
            periph[k] = ((yy - cy) / by) ** 2 + ((xx - cx) / bx) ** 2
        score = field + 1.5 * periph + 0.6 * (yy - cy)[None] / by
        vals = score[inlung]
        if vals.size:
            thr = np.quantile(vals, 1 - target)
            lesions[inlung & (score > thr)] = 1
            les = lesions > 0
            crazy = _smooth_noise(rng, (d, h, w), (0.5, 1.0, 1.0))
            hu = rng.uniform(-650, -450) + 60 * crazy
            if target > 0.4:
                hu = np.where(score > np.quantile(vals, 1 - target * 0.3), rng.uniform(-100, 30), hu)
            vol[les] = hu[les]
    elif label == 2:  # bacterial: lobar consolidation, one side
        side = int(rng.integers(1, 3))
        lo = rng.uniform(0.4, 0.8)
        for k in range(d):
            t = z[k] / height_mm
            if lo < t < lo + 0.3:
                m = lungs[k] == side
                m &= (yy - cy) > rng.uniform(-20, 10)
                vol[k][m] = rng.uniform(0, 40)
                lesions[k][m] = 2
        bron = _smooth_noise(rng, (d, h, w), (0.4, 1.5, 1.5)) > 2.2
        vol[(lesions == 2) & bron] = -900
    elif label == 3:  # nodules
        idx = np.argwhere(inlung)
        for _ in range(int(rng.integers(1, 5))):
            if not len(idx):
                break
            c = idx[rng.integers(len(idx))]
            r = rng.uniform(2, 8)
            zz = (np.arange(d) - c[0])[:, None, None] * dz
            m = (zz ** 2 + ((yy - c[1] * 2) ** 2 + (xx - c[2] * 2) ** 2)[None]) < r * r
            vol[m & inlung] = 40
            lesions[m & inlung] = 3
    vol += rng.uniform(8, 30) * _smooth_noise(rng, (d, h, w), (0.3, 0.7, 0.7))
    if rng.random() < 0.5:  # mirror-free: only small shifts of the whole scene
        shift = int(rng.integers(-8, 9))
        vol, lungs, lesions = (np.roll(a, shift, axis=2) for a in (vol, lungs, lesions))
    covid_les = (lesions == 1)
    sev = 0.0
    for side in (1, 2):
        n = (lungs == side).sum()
        if n:
            sev = max(sev, float((covid_les & (lungs == side)).sum()) / n)
    return {"hu": vol, "lungs": lungs, "lesions": (lesions == 1).astype(np.uint8),
            "any_lesion": (lesions > 0).astype(np.uint8), "label": label,
            "severity": sev, "spacing": (dz, 2.0, 2.0)}
