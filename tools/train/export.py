# SPDX-License-Identifier: MIT
"""Export a training checkpoint (state_dict .pt) as the shipped float16
safetensors file with its metadata (docs/networks.md).

Usage:
  /usr/bin/python3 tools/train/export.py lungs CHECKPOINT.pt resources/models/lungs.safetensors \
      --threshold 0.5 --schedule "..." --medseg-slices 0
  /usr/bin/python3 tools/train/export.py multitask-spatial CHECKPOINT.pt \
      resources/models/multitask-spatial.safetensors --threshold 0.2 --schedule "..." --medseg-slices 40
"""

import argparse
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402,F401  (sets the import path)
from model import build, export_state, paper_structure  # noqa: E402
from safetensors_io import write_safetensors  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("architecture", choices=("lungs", "multitask-spatial"))
    ap.add_argument("checkpoint")
    ap.add_argument("out")
    ap.add_argument("--threshold", required=True)
    ap.add_argument("--schedule", required=True)
    ap.add_argument("--medseg-slices", type=int, required=True)
    ap.add_argument("--phantoms", type=int, required=True, help="training phantom studies")
    ap.add_argument("--pseudo-slices", type=int, default=0,
                    help="unlabelled real slices trained on with pseudo-labels (COVID-19-CT-Seg)")
    ap.add_argument("--real-normal-slices", type=int, default=0,
                    help="real slices trained on as negatives (no lesion / no lung)")
    args = ap.parse_args()
    model = build(args.architecture)
    state = torch.load(args.checkpoint, map_location="cpu")
    model.load_state_dict(state)
    data = (f"synthetic phantoms (tools/phantom, {args.phantoms} studies) + "
            f"{args.medseg_slices} MedSeg slices")
    if args.pseudo_slices:
        data += f" + {args.pseudo_slices} unlabelled COVID-19-CT-Seg slices (own pseudo-labels)"
    if args.real_normal_slices:
        data += f" + {args.real_normal_slices} real slices as negatives"
    data += "; not for clinical use"
    real = args.medseg_slices + args.pseudo_slices + args.real_normal_slices
    if real > 0:
        note = (f"trained on synthetic data and {real} real slices; "
                "not for clinical use")
        license_text = "MIT (weights); MedSeg slices used for training are non-commercial use only"
        if args.pseudo_slices:
            license_text = ("MIT (weights); the MedSeg and COVID-19-CT-Seg slices used for "
                            "training are non-commercial use only (CC BY-NC-SA)")
    else:
        note = "trained on synthetic data only; not for clinical use"
        license_text = "MIT (weights)"
    meta = {
        "architecture": args.architecture,
        "format_version": "1",
        "pixel_spacing_mm": "2,2",
        "hu_window": "-1000,300",
        "threshold": args.threshold,
        "training_data": data,
        "license": license_text,
        "schedule": args.schedule,
        "trained_by": "tools/train (ct-triage)",
        "note": note,
    }
    meta.update(paper_structure(args.architecture))
    write_safetensors(args.out, export_state(model), meta, dtype="F16")
    print(f"wrote {args.out}: {os.path.getsize(args.out)} bytes")


if __name__ == "__main__":
    main()
