# SPDX-License-Identifier: MIT
"""Write the parity fixtures of tests/fixtures/ (see tests/fixtures/README.md).

Usage: /usr/bin/python3 tools/reference/make_fixtures.py [--out tests/fixtures]
       /usr/bin/python3 tools/reference/make_fixtures.py --trained
           (adds trained-io.safetensors: the shipped weights on 8 x 96 x 80)

A reduced-width variant of both networks (same keys, other channel lists,
still 6 levels) gets seeded random weights and BatchNorm statistics that are
calibrated on the inputs and then perturbed, so that every BN layer does a
non-trivial affine map while the outputs stay away from 0 and 1. References
are computed in float64 and stored as float32.
"""

import argparse
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from model import build, export_state, load_safetensors_model  # noqa: E402
from safetensors_io import write_safetensors  # noqa: E402

SEED = 20260127
REDUCED = {
    "init_channels": "4",
    "down_channels": "4,4,4;4,8,8;8,8;8,12,12;12,12;12,16",
    "bridge_channels": "16,24,16",
    "up_channels": "4,4;8,8,4;8,8;12,8;12,12;16,16,12",
    "pyramid_levels": "1,2,4,8",
    "fc_hidden": "16",
}
REDUCED_LUNGS_UP = "4,4,4;8,8,4;8,8;12,8;12,12;16,16,12"


def smooth_input(gen, n, h, w):
    """[n,h,w] values in [0,1]: blurred noise plus a few bright and dark
    blobs, so pooling and interpolation see structure, and no exact ties."""
    x = torch.rand(n, 1, h, w, generator=gen, dtype=torch.float64)
    k = torch.ones(1, 1, 5, 5, dtype=torch.float64) / 25.0
    x = torch.nn.functional.conv2d(x, k, padding=2)
    yy, xx = torch.meshgrid(torch.arange(h, dtype=torch.float64),
                            torch.arange(w, dtype=torch.float64), indexing="ij")
    for i in range(n):
        for _ in range(3):
            cy, cx = torch.rand(2, generator=gen, dtype=torch.float64) * torch.tensor([h, w])
            r = 3 + 6 * torch.rand(1, generator=gen, dtype=torch.float64)
            sign = 1.0 if torch.rand(1, generator=gen).item() > 0.5 else -1.0
            x[i, 0] += sign * 0.4 * torch.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / (2 * r ** 2))
    x = x - x.amin()
    x = x / x.amax()
    return x[:, 0].float()


def randomise(model, gen, calib):
    """Seeded weights; BN statistics from `calib` then perturbed."""
    with torch.no_grad():
        for name, p in model.named_parameters():
            if p.dim() > 1:
                fan_in = p[0].numel()
                p.copy_(torch.randn(p.shape, generator=gen) * (1.5 / fan_in) ** 0.5)
            elif name.endswith("bn1.weight") or name.endswith("bn2.weight") or name.endswith("bn.weight"):
                p.copy_(0.6 + 0.8 * torch.rand(p.shape, generator=gen))
            else:
                p.copy_(0.1 * torch.randn(p.shape, generator=gen))
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.momentum = 1.0
        model.train()
        if model.architecture == "lungs":
            model(calib.reshape(-1, 1, *calib.shape[1:]))
        else:
            model(calib[None], with_cls=False)
        model.eval()
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.momentum = 0.1
                std = m.running_var.sqrt()
                m.running_mean += 0.3 * std * torch.randn(std.shape, generator=gen)
                m.running_var *= 0.6 + 0.9 * torch.rand(std.shape, generator=gen)


def run_lungs(model, x):
    with torch.no_grad():
        return torch.sigmoid(model.double()(x.double()[:, None]))[:, 0].float()


def run_multitask(model, x):
    with torch.no_grad():
        seg, cls = model.double()(x.double()[None], with_cls=min(x.shape) >= 8)
        prob = torch.sigmoid(seg[0]).float()
        return prob, (None if cls is None else torch.sigmoid(cls).float())


def describe(name, t):
    print(f"  {name}: shape {tuple(t.shape)} min {t.min().item():.4f} "
          f"mean {t.float().mean().item():.4f} max {t.max().item():.4f}")


def make_reduced(out):
    gen = torch.Generator().manual_seed(SEED)
    inputs = {"37x53": smooth_input(gen, 3, 37, 53), "64x48": smooth_input(gen, 9, 64, 48)}
    calib = inputs["64x48"].double()

    lungs_struct = dict(REDUCED, up_channels=REDUCED_LUNGS_UP)
    del lungs_struct["pyramid_levels"], lungs_struct["fc_hidden"]
    lungs = build("lungs", lungs_struct).double()
    randomise(lungs, gen, calib)
    multi = build("multitask-spatial", REDUCED).double()
    randomise(multi, gen, calib)
    # The classifier's last layer: scale so the study logit is O(1).
    with torch.no_grad():
        _, c = multi(calib[None])
        multi.cls_head.fc2.weight.mul_(1.0 / max(1.0, abs(c.item())))

    # Lung weights go to disk as float16: round them first so that the
    # reference uses exactly what the C loader will read.
    with torch.no_grad():
        for k, v in lungs.state_dict().items():
            if v.dtype.is_floating_point:
                v.copy_(v.half().double())
    lstate = {k: v.half() for k, v in export_state(lungs).items()}
    mstate = export_state(multi)  # float32 on disk
    with torch.no_grad():
        for k, v in multi.state_dict().items():
            if v.dtype.is_floating_point:
                v.copy_(v.float().double())

    meta_common = {"format_version": "1", "pixel_spacing_mm": "2,2", "hu_window": "-1000,300",
                   "training_data": "none: seeded random weights for parity tests",
                   "license": "MIT"}
    write_safetensors(os.path.join(out, "reduced-lungs.safetensors"),
                      {k: v.numpy() for k, v in lstate.items()},
                      dict(meta_common, architecture="lungs", threshold="0.5", **lungs_struct))
    write_safetensors(os.path.join(out, "reduced-multitask.safetensors"),
                      {k: v.numpy() for k, v in mstate.items()},
                      dict(meta_common, architecture="multitask-spatial", threshold="0.2", **REDUCED))

    io = {}
    for tag, x in inputs.items():
        io[f"input_{tag}"] = x
        io[f"lungs_prob_{tag}"] = run_lungs(lungs, x)
        les, study = run_multitask(multi, x)
        io[f"lesion_prob_{tag}"] = les
        if study is not None:
            io[f"study_prob_{tag}"] = study
    print("reduced fixtures:")
    for k, v in io.items():
        describe(k, v)
    write_safetensors(os.path.join(out, "reduced-io.safetensors"),
                      {k: v.numpy().astype(np.float32) for k, v in io.items()},
                      {"seed": str(SEED),
                       "note": "inputs [n,h,w] in [0,1]; outputs are sigmoid probabilities "
                               "computed in float64 by tools/reference/model.py; the 3-slice "
                               "37x53 case has no study probability (an axis < 8)",
                       "tolerance_prob": "1e-4", "tolerance_study": "1e-5"})


def phantom_input(npz):
    """8 x 96 x 80 windowed crop of a phantom study (tools/train cache .npz)
    around the middle of its lung box (values rounded to float16-exact)."""
    z = np.load(npz)
    hu, lungs = z["hu"].astype(np.float32), z["lungs"]
    idx = np.argwhere(lungs > 0)
    c = ((idx.min(0) + idx.max(0)) // 2).astype(int)
    zs = slice(max(0, c[0] - 4), max(0, c[0] - 4) + 8)
    y0 = int(np.clip(c[1] - 48, 0, hu.shape[1] - 96))
    x0 = int(np.clip(c[2] - 40 - 20, 0, hu.shape[2] - 80))   # right lung side
    crop = hu[zs, y0:y0 + 96, x0:x0 + 80]
    x = np.clip((crop + 1000.0) / 1300.0, 0.0, 1.0).astype(np.float16).astype(np.float32)
    return torch.from_numpy(x)


def make_trained(out, models_dir, phantom=None):
    if phantom:
        x = phantom_input(phantom)
        source = f"phantom crop ({os.path.basename(phantom)}), float16-exact values"
    else:
        gen = torch.Generator().manual_seed(SEED + 1)
        x = smooth_input(gen, 8, 96, 80).half().float()
        source = "seeded smooth noise, float16-exact values"
    io = {"input_8x96x80": x}
    for arch, fname in (("lungs", "lungs.safetensors"),
                        ("multitask-spatial", "multitask-spatial.safetensors")):
        model, _ = load_safetensors_model(os.path.join(models_dir, fname))
        if arch == "lungs":
            io["lungs_prob"] = run_lungs(model, x)
        else:
            les, study = run_multitask(model, x)
            io["lesion_prob"] = les
            io["study_prob"] = study
    print("trained fixture:")
    for k, v in io.items():
        describe(k, v)
    tensors = {k: v.numpy().astype(np.float32) for k, v in io.items()}
    write_safetensors(os.path.join(out, "trained-io.safetensors"), tensors,
                      {"seed": str(SEED + 1), "input": source,
                       "weights": "resources/models/lungs.safetensors, "
                                  "resources/models/multitask-spatial.safetensors",
                       "note": "outputs computed in float64 from the float16 weights",
                       "tolerance_prob": "1e-4", "tolerance_study": "1e-5"})


def main():
    ap = argparse.ArgumentParser()
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    ap.add_argument("--out", default=os.path.join(root, "tests", "fixtures"))
    ap.add_argument("--trained", action="store_true")
    ap.add_argument("--phantom", help="with --trained: a tools/train cache .npz for the input")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    torch.manual_seed(SEED)
    if args.trained:
        make_trained(args.out, os.path.join(root, "resources", "models"), args.phantom)
    else:
        make_reduced(args.out)


if __name__ == "__main__":
    main()
