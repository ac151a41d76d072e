# SPDX-License-Identifier: MIT
"""Print the ablation table of tools/train/ablate.sh as Markdown.

Usage: /usr/bin/python3 tools/train/ablate_table.py OUT

and, when OUT has them (ABLATE_JOINT=1), phased against joint training.

Per run, from the validation at its last step: lesion Dice on the 12
validation phantoms (8 evenly spaced slices each) and on the 10 held-out
MedSeg slices, at the shipped threshold 0.4 and at the best of 0.2-0.5.
"""

import json
import os
import sys

CHANGES = {
    "recipe": "shipped recipe (BCE + Dice, half the crops on a lesion, MedSeg, LR drop, "
              "BN re-estimated)",
    "recipe-seed2": "the same, seed 2 (run-to-run spread)",
    "recipe/raw-bn": "recipe, scored with the running BN statistics (no re-estimation)",
    "recipe-seed2/raw-bn": "seed 2, scored with the running BN statistics",
    "no-dice": "BCE alone (the paper's loss)",
    "no-lesion-crops": "crops anywhere in the lungs (none forced onto a lesion)",
    "no-medseg": "phantoms only (no MedSeg slices)",
    "no-lr-drop": "no lower learning rate for the last 20 %",
    "no-dice-seed2": "BCE alone, seed 2",
    "no-lesion-crops-seed2": "crops anywhere in the lungs, seed 2",
    "no-lr-drop-seed2": "no lower learning rate, seed 2",
}
ORDER = ["recipe", "recipe/raw-bn", "recipe-seed2", "recipe-seed2/raw-bn", "no-dice",
         "no-dice-seed2", "no-lesion-crops", "no-lesion-crops-seed2", "no-medseg", "no-lr-drop",
         "no-lr-drop-seed2"]


def last_events(path):
    val, raw, steps = None, None, None
    with open(path) as f:
        for line in f:
            e = json.loads(line)
            if e.get("event") == "val":
                val = e
            elif e.get("event") == "val-raw-bn":
                raw = e
            elif e.get("event") == "end":
                steps = e["steps"]
    return val, raw, steps


def main():
    out = sys.argv[1]
    rows = {}
    for name in sorted(os.listdir(out)):
        log = os.path.join(out, name, "log.jsonl")
        if not os.path.isfile(log):
            continue
        val, raw, steps = last_events(log)
        if val is None or steps is None:
            continue
        rows[name] = (val, steps)
        if raw is not None:
            rows[name + "/raw-bn"] = (raw, steps)
    print("| run | change | steps | phantom Dice @0.4 | best | MedSeg Dice @0.4 | best |")
    print("|---|---|---|---|---|---|---|")
    for name in ORDER + sorted(set(rows) - set(ORDER)):
        if name not in rows:
            continue
        e, steps = rows[name]
        d, m = e["dice"], e["medseg_dice"]
        print(f"| {name} | {CHANGES.get(name, '')} | {steps} | {d['0.4']:.3f} | "
              f"{max(d.values()):.3f} | {m['0.4']:.3f} | {max(m.values()):.3f} |")


def joint_table(out):
    """Phased (segmentation, then classifier) against joint training."""
    rows = []
    for name in ("phased", "joint"):
        log = os.path.join(out, name, "log.jsonl")
        if not os.path.isfile(log):
            return
        seg_steps, dice, auc = None, None, None
        with open(log) as f:
            for line in f:
                e = json.loads(line)
                if e.get("event") == "val":
                    dice, seg_steps = e, e["step"]
                    auc = e.get("auc", auc)
                elif e.get("phase") == "cls" and "val_auc" in e and "event" not in e:
                    auc = e["val_auc"]      # phased: the classifier's last validation
        rows.append((name, seg_steps, dice, auc))
    print()
    print("| run | backbone steps | phantom Dice @0.4 | MedSeg Dice @0.4 | validation AUC (last) |")
    print("|---|---|---|---|---|")
    for name, steps, e, auc in rows:
        print(f"| {name} | {steps} | {e['dice']['0.4']:.3f} | {e['medseg_dice']['0.4']:.3f} | "
              f"{auc:.3f} |")


if __name__ == "__main__":
    main()
    joint_table(sys.argv[1])
