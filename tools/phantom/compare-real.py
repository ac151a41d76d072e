#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Compare phantoms with the real axial slices of ../shared/data/covid-ny-sbu.

    /usr/bin/python3 tools/phantom/compare-real.py --data ../shared/data \
        --phantom-raw build/tools/phantom/phantom-raw --out /tmp/compare

Needs numpy and Pillow (python3-numpy, python3-pil) and GDCM's command-line
tools (gdcmconv, gdcmraw). For every real axial slice and for a few phantoms
(COVID-19 at 2.5 mm and 1.25 mm, a normal chest at 5 mm) it prints the noise
of the flattest soft-tissue and lung patches (SD in HU and the correlation
of neighbouring pixels) and writes lung-window PNGs side by side
(window -600/1500) into --out, for looking at texture, vessels and ground
glass. Nothing here is a test: it is the measuring stick used to tune the
generator.
"""
import argparse
import glob
import json
import os
import subprocess
import tempfile

import numpy as np
from PIL import Image


def read_dicom_hu(path, tmp):
    """HU of a single-frame DICOM slice via GDCM's tools."""
    raw_dcm = os.path.join(tmp, "raw.dcm")
    raw = os.path.join(tmp, "pixels.raw")
    subprocess.run(["gdcmconv", "--raw", path, raw_dcm], check=True)
    subprocess.run(["gdcmraw", "-i", raw_dcm, "-o", raw], check=True)
    dump = subprocess.run(["gdcmdump", path], check=True, capture_output=True, text=True).stdout
    def tag(t, default):
        for line in dump.splitlines():
            if line.startswith(t):
                if "[" in line:
                    return line.split("[", 1)[1].split("]", 1)[0].split("\\")[0].strip()
                return line.split()[2]
        return default
    rows, cols = int(tag("(0028,0010) US", 0) or 0), int(tag("(0028,0011) US", 0) or 0)
    if rows == 0:
        rows = cols = int(round(np.sqrt(os.path.getsize(raw) / 2)))
    signed = tag("(0028,0103) US", "1") != "0"
    a = np.fromfile(raw, np.int16 if signed else np.uint16).reshape(rows, cols).astype(np.float32)
    return a * float(tag("(0028,1053)", 1)) + float(tag("(0028,1052)", -1024))


def flattest_patch(a, lo, hi, size=14):
    """(SD, neighbour correlation, mean) of the flattest patch with mean in [lo, hi]."""
    best = None
    for y in range(40, a.shape[0] - 40 - size, 7):
        for x in range(40, a.shape[1] - 40 - size, 7):
            p = a[y:y + size, x:x + size]
            m = p.mean()
            if m < lo or m > hi or p.min() < -1500:
                continue
            q = p - m
            if q.var() == 0:
                continue
            r1 = (q[:, 1:] * q[:, :-1]).mean() / q.var()
            if best is None or q.std() < best[0]:
                best = (q.std(), r1, m)
    return best


def describe(name, a):
    soft, lung = flattest_patch(a, -30, 120), flattest_patch(a, -950, -800)
    fmt = lambda p: "sd %5.1f HU, r1 %5.2f" % p[:2] if p else "none"
    print("%-40s soft tissue: %s | lung: %s" % (name, fmt(soft), fmt(lung)))


def window(a):
    return (np.clip((a + 1350.0) / 1500.0, 0, 1) * 255).astype(np.uint8)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", default=os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "data"))
    ap.add_argument("--phantom-raw", required=True)
    ap.add_argument("--out", default="/tmp/phantom-compare")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)

    reals = []
    with tempfile.TemporaryDirectory() as tmp:
        for path in sorted(glob.glob(os.path.join(args.data, "covid-ny-sbu", "*", "axial", "*.dcm"))):
            a = read_dicom_hu(path, tmp)
            name = "real " + os.path.relpath(path, os.path.join(args.data, "covid-ny-sbu"))
            describe(name, a)
            reals.append(a)

        cases = [("covid-2.5mm", ["--class", "covid", "--severity", "38", "--slice-spacing", "2.5", "--slices", "120"]),
                 ("covid-1.25mm", ["--class", "covid", "--severity", "45", "--slice-spacing", "1.25", "--slices", "40", "--cut", "both"]),
                 ("normal-5mm", ["--class", "normal", "--slice-spacing", "5", "--slices", "64"])]
        for i, (name, extra) in enumerate(cases):
            prefix = os.path.join(tmp, name)
            subprocess.run([args.phantom_raw, "--seed", str(300 + i), "--size", "512", "--pixel-spacing", "0.74",
                            "--out", prefix] + extra, check=True, stdout=subprocess.DEVNULL)
            meta = json.load(open(prefix + ".json"))
            nx, ny, nz = meta["dims"]
            hu = np.fromfile(prefix + ".hu.f32", np.float32).reshape(nz, ny, nx)
            lungs = np.fromfile(prefix + ".lungs.u8", np.uint8).reshape(nz, ny, nx)
            z = np.nonzero(lungs.any(axis=(1, 2)))[0]
            k = int(z[0] + 0.55 * (z[-1] - z[0]))
            describe("phantom %s (noise %.0f HU)" % (name, meta["noise_hu"]), hu[k])
            if reals:
                real = reals[i % len(reals)]
                mine = np.array(Image.fromarray(window(hu[k])).resize(real.shape[::-1]))
                Image.fromarray(np.concatenate([mine, window(real)], 1)).save(
                    os.path.join(args.out, "%s-vs-real.png" % name))
    print("PNGs (phantom left, real right) in", args.out)


if __name__ == "__main__":
    main()
