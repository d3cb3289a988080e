"""A tiny data set in the generic CSV folder layout, written as a user would export it."""

import numpy as np
import pandas as pd
import pytest

ACTIONS = ("idle", "stir", "pour")


def write_csv_folder(root, n_recordings=4, duration=12.0, seed=0):
    """Recordings ``trial<i>/accel.csv`` (50 Hz, time column), ``video.csv`` (30 fps) and
    ``segments.csv`` (seconds). Returns the segments table."""
    rng = np.random.RandomState(seed)
    rows = []
    for r in range(n_recordings):
        name = f"trial{r}"
        bounds = np.sort(rng.uniform(1.0, duration - 1.0, size=3))
        edges = [0.0, *bounds.round(2).tolist(), duration]
        labels = [ACTIONS[(r + j) % len(ACTIONS)] for j in range(len(edges) - 1)]
        rows += [(name, s, e, lab) for s, e, lab in zip(edges[:-1], edges[1:], labels, strict=True)]

        def label_at(t, edges=edges, labels=labels):
            return np.asarray(labels)[np.searchsorted(edges, t, side="right") - 1]

        t_acc = np.arange(int(duration * 50)) / 50
        act = label_at(t_acc)
        freq = np.select([act == "stir", act == "pour"], [3.0, 0.7], 0.0)
        amp = np.select([act == "stir", act == "pour"], [1.0, 0.6], 0.05)
        accel = {"time": t_acc.round(4)}
        for node, phase in (("spoon", 0.0), ("cup", 1.0)):
            for k, ch in enumerate("xyz"):
                accel[f"{node}_{ch}"] = (
                    amp * np.sin(2 * np.pi * freq * t_acc + phase + k)
                    + 0.05 * rng.randn(t_acc.size)
                    + (ch == "z")
                )
        t_vid = np.arange(int(duration * 30)) / 30
        onehot = (label_at(t_vid)[:, None] == np.asarray(ACTIONS)[None]).astype(float)
        video = pd.DataFrame(
            onehot @ rng.randn(3, 4) * 0.5 + rng.randn(t_vid.size, 4),
            columns=["f0", "f1", "f2", "f3"],
        )
        video.insert(0, "time", t_vid.round(4))
        (root / name).mkdir(parents=True)
        pd.DataFrame(accel).to_csv(root / name / "accel.csv", index=False)
        video.to_csv(root / name / "video.csv", index=False)
    table = pd.DataFrame(rows, columns=["recording", "start", "end", "label"])
    table.to_csv(root / "segments.csv", index=False)
    return table


@pytest.fixture
def csv_folder(tmp_path):
    root = tmp_path / "data"
    write_csv_folder(root)
    return root
