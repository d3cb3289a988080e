"""Helpers of the transformer tests: tiny seeded synthetic recordings, input snapshots.

A uniquely named module (not ``conftest``) so that test files can import it directly.
"""

import numpy as np

from stgraph_sklearn.data import Modality, Recording


def make_recording(seed=0, *, duration=6.0, frame_rate=30.0, gap=(2.0, 3.0), offset=0.1):
    """A recording with two modalities on different clocks.

    - ``accel``: 3 nodes x 3 channels at 50 Hz, clock offset ``offset`` s, a 1 Hz movement
      shared by "knife" and "board" plus noise, node "board" NaN during ``gap`` (modality time);
    - ``video``: 1 node x 4 channels with irregular timestamps around 20 Hz.
    """
    rng = np.random.default_rng(seed)
    t_acc = np.arange(int(duration * 50)) / 50
    move = np.sin(2 * np.pi * 1.0 * t_acc + seed)
    acc = 0.3 * rng.normal(size=(t_acc.size, 3, 3))
    acc[:, 0] += move[:, None]
    acc[:, 1] += 0.8 * move[:, None]
    acc[:, 2, 2] += 9.81
    if gap is not None:
        acc[(t_acc >= gap[0]) & (t_acc < gap[1]), 1] = np.nan
    t_vid = np.cumsum(rng.uniform(0.03, 0.07, int(duration * 30)))
    t_vid = t_vid[t_vid < duration]
    vid = rng.normal(size=(t_vid.size, 4)) + np.interp(t_vid, t_acc, move)[:, None]
    return Recording(
        {
            "accel": Modality(
                acc, rate=50.0, node_names=["knife", "board", "bowl"], clock=[[0.0, offset]]
            ),
            "video": Modality(vid, timestamps=t_vid),
        },
        frame_rate=frame_rate,
        n_frames=int(duration * frame_rate),
        name=f"rec{seed}",
        subject=f"s{seed % 3}",
    )


def snapshot(X):
    """Deep copy of every array inside a list of Recordings / arrays / GraphSequences."""
    out = []
    for item in X:
        if isinstance(item, np.ndarray):
            out.append(item.copy())
        elif hasattr(item, "modalities"):
            out.append(
                {
                    k: (
                        m.values.copy(),
                        None if m.timestamps is None else m.timestamps.copy(),
                        None if m.clock is None else m.clock.copy(),
                        m.rate,
                        m.start,
                    )
                    for k, m in item.modalities.items()
                }
            )
        else:
            out.append({k: (b.copy(), item.masks[k].copy()) for k, b in item.blocks.items()})
    return out


def assert_same_snapshot(a, b):
    assert len(a) == len(b)
    for x, y in zip(a, b, strict=True):
        if isinstance(x, np.ndarray):
            np.testing.assert_array_equal(x, y)
            continue
        assert x.keys() == y.keys()
        for k in x:
            for u, v in zip(x[k], y[k], strict=True):
                if isinstance(u, np.ndarray):
                    np.testing.assert_array_equal(u, v)
                else:
                    assert u == v
