"""
==================================================
Your own data: CSV files to a model and segments
==================================================

What a data scientist with their own recordings does, end to end:

1. write (here: simulate) a folder of CSV files as a logging app and an annotation tool
   export them: per recording, accelerometers at 50 Hz and video features at 30 fps, each
   with a time column in seconds, and one ``segments.csv`` of labelled segments in seconds;
2. read them into recordings and frame labels without reshaping anything;
3. train the standard pipeline, save it to a model file, load it back and predict a table
   of segments with times in seconds;
4. do the same with the ``stgraph-seg`` command line.

Everything is tiny (6 recordings of 20 s, a small model, few epochs) so that it runs in well
under a minute on one CPU thread.
"""

# %%
# A folder of CSV files
# ---------------------
# Three kitchen actions; the spoon's and the cup's accelerometers move with an
# action-specific rhythm, and a weak 8-d video feature carries noisy evidence of the action.
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

root = Path(tempfile.mkdtemp()) / "data"
rng = np.random.RandomState(0)
actions = np.array(["idle", "stir", "pour"])
rows = []
for r in range(6):
    name = f"trial{r + 1}"
    edges = np.r_[0.0, np.sort(rng.uniform(2, 18, size=4)).round(2), 20.0]
    labels = actions[(r + np.arange(len(edges) - 1)) % 3]
    rows += [(name, s, e, lab) for s, e, lab in zip(edges[:-1], edges[1:], labels, strict=True)]

    def action_at(t, edges=edges, labels=labels):
        return labels[np.searchsorted(edges, t, side="right") - 1]

    t = np.arange(20 * 50) / 50  # accelerometers, 50 Hz
    act = action_at(t)
    freq = np.select([act == "stir", act == "pour"], [3.0, 0.7], 0.0)
    amp = np.select([act == "stir", act == "pour"], [1.0, 0.6], 0.05)
    accel = {"time": t.round(4)}
    for node, phase in (("spoon", 0.0), ("cup", 1.5)):
        for k, ch in enumerate("xyz"):
            wave = amp * np.sin(2 * np.pi * freq * t + phase + k)
            accel[f"{node}_{ch}"] = wave + 0.1 * rng.randn(t.size) + (ch == "z")
    tv = np.arange(20 * 30) / 30  # video features, 30 fps
    onehot = (action_at(tv)[:, None] == actions[None]).astype(float)
    video = pd.DataFrame(onehot @ rng.randn(3, 8) * 0.4 + rng.randn(tv.size, 8)).add_prefix("f")
    video.insert(0, "time", tv.round(4))
    (root / name).mkdir(parents=True)
    pd.DataFrame(accel).to_csv(root / name / "accel.csv", index=False)
    video.to_csv(root / name / "video.csv", index=False)
pd.DataFrame(rows, columns=["recording", "start", "end", "label"]).to_csv(
    root / "segments.csv", index=False
)
print(pd.read_csv(root / "trial1" / "accel.csv").head(3))
print(pd.read_csv(root / "segments.csv").head(3))

# %%
# In Python: read, train, save, load, predict
# --------------------------------------------
# :func:`~stgraph_sklearn.data.recording_from_dataframes` infers each table's rate from its
# time column (50 Hz and 30 fps), keeps the time column out of the sensors, and turns
# ``spoon_x, spoon_y, spoon_z`` into the node ``accel:spoon`` with channels ``x, y, z``.
# :func:`~stgraph_sklearn.data.labels_from_segment_table` turns segments in seconds into one
# label per frame (30 fps: the lowest rate). Ten statements are all it takes:
from stgraph_sklearn import (
    AdaptiveGraphSegmenter,
    load_model,
    make_segmentation_pipeline,
    save_model,
)
from stgraph_sklearn.data import labels_from_segment_table, recording_from_dataframes

names = [f"trial{r + 1}" for r in range(6)]
X = [
    recording_from_dataframes(
        {m: pd.read_csv(root / n / f"{m}.csv") for m in ("accel", "video")}, name=n
    )
    for n in names
]
# names and labels as written (pandas would read "01" as 1 and "None" as missing)
segments = pd.read_csv(
    root / "segments.csv", dtype={"recording": str, "label": str}, keep_default_na=False
)
y = labels_from_segment_table(segments, X)
segmenter = AdaptiveGraphSegmenter(
    hidden_channels=16, n_layers=5, n_stages=2, max_epochs=40, lr=5e-3, random_state=0
)
model = make_segmentation_pipeline(segmenter, k=2).fit(X[:4], y[:4])
save_model(model, root.parent / "model.stgm")
segments = load_model(root.parent / "model.stgm").predict_segments(X[4:])
print(X[0])
print(segments.head())

# %%
# The loaded model predicts exactly what the trained one did, and the model file holds no
# optimizer state and no pickled code.
import pickle

from stgraph_sklearn.metrics import segmentation_report

same = all(
    (a == b).all()
    for a, b in zip(
        model.predict(X[4:]), load_model(root.parent / "model.stgm").predict(X[4:]), strict=True
    )
)
print("identical predictions after loading:", same)
print(
    f"model file {(root.parent / 'model.stgm').stat().st_size / 1e3:.0f} kB, pickle {len(pickle.dumps(model)) / 1e3:.0f} kB"
)
print(segmentation_report(y[4:], model.predict(X[4:])).round(3))

# %%
# On the command line
# -------------------
# The same three steps with ``stgraph-seg``, which reads the folder layout above
# (``--format csv``, the default). In a shell::
#
#     stgraph-seg fit --data data/ --out model.stgm --set max_epochs=40
#     stgraph-seg predict --model model.stgm --data data/ --out predictions/
#     stgraph-seg evaluate --model model.stgm --data data/
#
# Here we call the same entry point from Python.
from stgraph_sklearn.cli import main

settings = ["--set", "hidden_channels=16", "--set", "n_layers=5", "--set", "n_stages=2"]
settings += ["--set", "max_epochs=40", "--set", "lr=5e-3", "--set", "verbose=0"]
assert main(["fit", "--data", str(root), *settings, "--out", str(root.parent / "cli.stgm")]) == 0
assert (
    main(
        [
            "predict",
            "--model",
            str(root.parent / "cli.stgm"),
            "--data",
            str(root),
            "--out",
            str(root.parent / "pred"),
        ]
    )
    == 0
)
print(pd.read_csv(root.parent / "pred" / "segments.csv").head())
assert main(["evaluate", "--model", str(root.parent / "cli.stgm"), "--data", str(root)]) == 0
