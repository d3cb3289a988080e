"""Tests of the make_kitchen_activities simulation."""

import numpy as np
import pytest
from scipy.ndimage import uniform_filter1d
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from stgraph_sklearn.data import Recording
from stgraph_sklearn.datasets import make_kitchen_activities
from stgraph_sklearn.datasets._kitchen import _frame_labels
from stgraph_sklearn.datasets._vocabulary import KITCHEN_OBJECTS, MID_LEVEL_ACTIONS

SMALL = {"n_recordings": 3, "n_subjects": 2, "duration": 30.0}


def segments(labels):
    """Consecutive runs of labels, background removed."""
    change = np.flatnonzero(np.r_[True, labels[1:] != labels[:-1]])
    return [str(labels[i]) for i in change if labels[i] != "background"]


def reference_times(accel):
    """Reference time of every accelerometer sample (inverting stamp = t + offset(t))."""
    t = accel.times.copy()
    for _ in range(3):
        t = accel.times - accel.offset_at(t)
    return t


def test_shapes_rates_and_metadata():
    """Check the recording layout, names, subjects and round-robin groups."""
    X, y, groups = make_kitchen_activities(
        n_recordings=5, n_subjects=2, duration=20.0, random_state=0
    )
    assert groups.tolist() == [0, 1, 0, 1, 0]
    assert [r.name for r in X] == [
        "kitchen-00-1",
        "kitchen-01-1",
        "kitchen-00-2",
        "kitchen-01-2",
        "kitchen-00-3",
    ]
    for rec, labels, g in zip(X, y, groups, strict=True):
        assert isinstance(rec, Recording) and rec.subject == g
        assert rec.frame_rate == 30.0 and rec.n_frames == len(labels)
        accel, video = rec.modalities["accel"], rec.modalities["video"]
        assert accel.rate == 50.0 and accel.node_names == KITCHEN_OBJECTS
        assert accel.values.shape[1:] == (10, 3) and accel.values.dtype == np.float32
        assert video.rate == 30.0 and video.values.shape == (rec.n_frames, 1, 16)
        t = reference_times(accel)
        assert t[0] <= 1e-6 and t[-1] >= (rec.n_frames - 1) / 30.0  # covers every frame
        assert np.isfinite(video.values).all()


def test_deterministic_for_a_seed():
    """Check a seed (int or RandomState) fixes everything and another seed changes it."""
    a = make_kitchen_activities(**SMALL, random_state=7)
    b = make_kitchen_activities(**SMALL, random_state=np.random.RandomState(7))
    c = make_kitchen_activities(**SMALL, random_state=8)
    for ra, rb, ya, yb in zip(a[0], b[0], a[1], b[1], strict=True):
        for key in ("accel", "video"):
            np.testing.assert_array_equal(ra.modalities[key].values, rb.modalities[key].values)
        np.testing.assert_array_equal(ra.modalities["accel"].clock, rb.modalities["accel"].clock)
        np.testing.assert_array_equal(ya, yb)
    assert a[0][0].n_frames != c[0][0].n_frames or (a[1][0] != c[1][0]).any()


def test_label_vocabulary_and_grammar():
    """Check labels are the 17 actions + background, each action once, in recipe order."""
    _, y, _ = make_kitchen_activities(
        n_recordings=4, n_subjects=2, duration=60.0, boundary_jitter=0.0, random_state=1
    )
    dressing = {"add_oil", "add_vinegar", "add_salt", "add_pepper"}
    for labels in y:
        assert set(labels) == {*MID_LEVEL_ACTIONS, "background"}
        assert labels[0] == labels[-1] == "background"
        steps = segments(labels)
        assert sorted(steps) == sorted(MID_LEVEL_ACTIONS)  # each action exactly once
        assert set(steps[:4]) == dressing and steps[4] == "mix_dressing"
        assert steps[-3:] == ["mix_ingredients", "add_dressing", "serve_salad_onto_plate"]
        for ingredient in ("cucumber", "tomato", "cheese", "lettuce"):
            k = steps.index(f"cut_{ingredient}")
            assert steps[k + 1] == f"place_{ingredient}_into_bowl"
        k = steps.index("cut_cucumber")
        assert steps[k - 1] == "peel_cucumber"


def test_duration_sets_the_mean_length():
    """Check recordings last about ``duration`` seconds on average."""
    for duration in (10.0, 120.0):
        X, _, _ = make_kitchen_activities(
            n_recordings=10, n_subjects=5, duration=duration, random_state=2
        )
        mean = np.mean([r.n_frames / 30.0 for r in X])
        assert 0.6 * duration < mean < 1.4 * duration


def test_boundary_jitter_moves_labels_only_near_boundaries():
    """Check annotation jitter relabels some frames, all within boundary_jitter of a change."""
    kw = {**SMALL, "random_state": 3}
    clean = make_kitchen_activities(**kw, boundary_jitter=0.0)[1]
    noisy = make_kitchen_activities(**kw, boundary_jitter=0.5)[1]
    n_diff = 0
    for a, b in zip(clean, noisy, strict=True):
        diff = np.flatnonzero(a != b)
        n_diff += diff.size
        change = np.flatnonzero(a[1:] != a[:-1]) + 0.5
        if diff.size:
            assert np.abs(diff[:, None] - change[None, :]).min(axis=1).max() <= 0.5 * 30 + 1
    assert n_diff > 0


def test_dropout_produces_nan_gaps_and_missing_sensors():
    """Check dropout=0 gives no NaN and dropout=1 gaps of 1-10 s or whole missing sensors."""
    X, _, _ = make_kitchen_activities(**SMALL, dropout=0.0, random_state=4)
    assert all(np.isfinite(r.modalities["accel"].values).all() for r in X)
    X, _, _ = make_kitchen_activities(
        n_recordings=6, n_subjects=2, duration=60.0, dropout=1.0, random_state=4
    )
    whole, gap_lengths = 0, []
    for rec in X:
        values = rec.modalities["accel"].values
        missing = np.isnan(values).any(axis=2)
        assert (missing == np.isnan(values).all(axis=2)).all()  # a sample loses all axes
        for node in range(values.shape[1]):
            m = missing[:, node]
            if m.all():
                whole += 1
                continue
            assert m.any()  # dropout=1: every present sensor has a gap
            edges = np.flatnonzero(np.diff(np.r_[0, m.astype(int), 0]))
            gap_lengths += list((edges[1::2] - edges[::2]) / 50.0)
    assert whole >= 1
    assert min(gap_lengths) > 0 and max(gap_lengths) <= 2 * 10.0  # gaps may overlap
    assert np.median(gap_lengths) >= 1.0


def agreement(active, uses_knife, t):
    """Fraction of samples whose knife activity matches the label at reference time t."""
    frame = np.clip(np.round(t * 30).astype(int), 0, len(uses_knife) - 1)
    return np.mean(active == uses_knife[frame])


def test_clock_anchors_and_alignment():
    """Check clock anchors exist with clock_drift, vanish without, and align motion to labels."""
    X, _, _ = make_kitchen_activities(**SMALL, clock_drift=0.0, random_state=5)
    for rec in X:
        accel = rec.modalities["accel"]
        assert accel.clock is None and accel.start == 0.0
    X, y, _ = make_kitchen_activities(
        n_recordings=3,
        n_subjects=3,
        duration=60.0,
        clock_drift=1.0,
        noise=0.0,
        dropout=0.0,
        boundary_jitter=0.0,
        random_state=5,
    )
    for rec in X:
        clock = rec.modalities["accel"].clock
        assert clock.shape == (2, 2)
        assert np.all(np.abs(clock[:, 1]) <= 0.5 + 1e-3 * clock[:, 0].max())
        drift = np.diff(clock[:, 1]) / np.diff(clock[:, 0])
        assert np.abs(drift) <= 1e-3
    # with a large clock error the knife's activity matches the labels only through the clock
    X, y, _ = make_kitchen_activities(
        n_recordings=3,
        n_subjects=3,
        duration=60.0,
        clock_drift=8.0,
        noise=0.0,
        dropout=0.0,
        boundary_jitter=0.0,
        random_state=6,
    )
    knife = KITCHEN_OBJECTS.index("knife")
    for rec, labels in zip(X, y, strict=True):
        accel = rec.modalities["accel"]
        v = accel.values[:, knife].astype(float)
        energy = np.linalg.norm(v - uniform_filter1d(v, 25, axis=0), axis=1)
        active = uniform_filter1d(energy, 25) > 0.1
        uses_knife = np.char.startswith(labels, "cut_") | np.char.startswith(labels, "place_")

        with_clock = agreement(active, uses_knife, reference_times(accel))
        assert with_clock > 0.85
        assert with_clock > agreement(active, uses_knife, accel.times) + 0.02


def test_idle_objects_read_gravity():
    """Check an idle sensor reads 1 g (gravity along its rotated vertical) without noise."""
    X, y, _ = make_kitchen_activities(
        n_recordings=4,
        n_subjects=2,
        duration=240.0,
        noise=0.0,
        dropout=0.0,
        clock_drift=0.0,
        boundary_jitter=0.0,
        random_state=9,
    )
    n_checked = 0
    for rec, labels in zip(X, y, strict=True):
        first_action = np.flatnonzero(labels != "background")[0] / 30.0
        idle = rec.modalities["accel"].values[: max(int((first_action - 0.5) * 50), 0)]
        np.testing.assert_allclose(np.linalg.norm(idle, axis=2), 1.0, atol=0.05)
        n_checked += len(idle)
    assert n_checked > 0


def frame_features(rec):
    """Per-node log window energy and tilt w.r.t. the rest orientation, per frame."""
    accel = rec.modalities["accel"]
    t = reference_times(accel)
    idx = np.clip(np.searchsorted(t, rec.frame_times), 0, len(t) - 1)
    v = np.nan_to_num(accel.values.astype(float))
    mean = uniform_filter1d(v, 50, axis=0)
    energy = np.log(np.maximum((uniform_filter1d(v**2, 50, axis=0) - mean**2).sum(2), 0) + 1e-4)
    rest = np.median(v, axis=0)
    rest /= np.linalg.norm(rest, axis=1, keepdims=True) + 1e-9
    tilt = (mean / (np.linalg.norm(mean, axis=2, keepdims=True) + 1e-9) * rest).sum(2)
    return np.hstack([energy[idx], tilt[idx]])


def test_not_trivial_for_a_per_frame_per_node_classifier():
    """Check per-frame logistic regression on per-node features is far above chance but
    clearly below perfect on an unseen subject."""
    X, y, groups = make_kitchen_activities(
        n_recordings=6, n_subjects=3, duration=60.0, random_state=0
    )
    train, test = groups != 2, groups == 2
    F = [frame_features(r) for r in X]
    Ftr = np.vstack([f for f, m in zip(F, train, strict=True) if m])
    ytr = np.concatenate([lab for lab, m in zip(y, train, strict=True) if m])
    Fte = np.vstack([f for f, m in zip(F, test, strict=True) if m])
    yte = np.concatenate([lab for lab, m in zip(y, test, strict=True) if m])
    clf = make_pipeline(StandardScaler(), LogisticRegression(max_iter=300))
    clf.fit(Ftr[::2], ytr[::2])
    accuracy = clf.score(Fte, yte)
    majority = max(np.mean(yte == c) for c in np.unique(yte))
    assert majority + 0.1 < accuracy < 0.9


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"n_recordings": 0}, ValueError, r"'n_recordings' parameter of make_kitchen_activities"),
        ({"n_recordings": 2.0}, ValueError, r"'n_recordings' parameter"),
        ({"n_subjects": 0}, ValueError, r"'n_subjects' parameter .* range \[1, inf\)\. Got 0"),
        ({"n_recordings": 2, "n_subjects": 3}, ValueError, r"'n_subjects' parameter"),
        ({"duration": 0.0}, ValueError, r"'duration' parameter"),
        ({"duration": 1.0}, ValueError, r"'duration' parameter .* range \[3\.5, inf\)\. Got 1\.0"),
        ({"duration": 3.49}, ValueError, r"'duration' parameter .* range \[3\.5, inf\)"),
        ({"n_recordings": True}, ValueError, r"'n_recordings' parameter .* not a bool\. Got True"),
        (
            {"n_recordings": True, "n_subjects": True},
            ValueError,
            r"'n_recordings' parameter of make_kitchen_activities must be a number, not a bool",
        ),
        ({"n_subjects": True}, ValueError, r"'n_subjects' parameter .* not a bool"),
        ({"boundary_jitter": True}, ValueError, r"'boundary_jitter' parameter .* not a bool"),
        ({"noise": False}, ValueError, r"'noise' parameter .* not a bool"),
        ({"noise": -1.0}, ValueError, r"'noise' parameter"),
        ({"dropout": 1.5}, ValueError, r"'dropout' parameter"),
        ({"clock_drift": float("nan")}, ValueError, r"'clock_drift' parameter"),
        ({"boundary_jitter": "0.5"}, ValueError, r"'boundary_jitter' parameter"),
        ({"video_strength": -0.1}, ValueError, r"'video_strength' parameter"),
    ],
)
def test_parameter_errors(kwargs, error, match):
    """Check bad parameters raise errors naming the parameter."""
    with pytest.raises(error, match=match):
        make_kitchen_activities(**kwargs)


def test_shortest_duration_is_honoured_on_average():
    """Check the shortest accepted duration (3.5 s) gives short recordings, no floor of 3 s."""
    X, _, _ = make_kitchen_activities(n_recordings=10, n_subjects=5, duration=3.5, random_state=2)
    lengths = [r.n_frames / 30.0 for r in X]
    assert min(lengths) >= 1.9 - 1 / 30  # 19 segments of at least 0.1 s
    assert np.mean(lengths) < 1.4 * 3.5


@pytest.mark.parametrize("duration", [3.5, 6.0, 10.0])
def test_boundary_jitter_never_removes_an_action(duration):
    """Check every action keeps a labelled frame (once, in its place) for short recordings,
    where the jitter can move both boundaries of a short action between two frames."""
    _, y, _ = make_kitchen_activities(
        n_recordings=6, n_subjects=3, duration=duration, random_state=0
    )
    for labels in y:
        assert sorted(segments(labels)) == sorted(MID_LEVEL_ACTIONS)


def test_frame_labels_keep_an_action_and_nothing_else_changes():
    """Check the frame rule: labels follow the annotated boundaries; an action between two
    frames takes the frame after it, a background gap between two frames vanishes."""
    frame_t = np.arange(10) / 10.0
    labels = ["background", "a", "background", "b", "c", "background"]
    # "a" and the gap keep frames, as the annotated boundaries say
    bounds = np.array([0.0, 0.15, 0.35, 0.45, 0.65, 0.85, 1.0])
    expected = np.searchsorted(bounds, frame_t, side="right") - 1
    np.testing.assert_array_equal(
        _frame_labels(labels, bounds, frame_t), np.asarray(labels)[expected]
    )
    # "b" lies between frames 0.4 and 0.5: it takes frame 0.5 and "c" starts a frame later;
    # the gap [0.41, 0.42) vanishes
    bounds = np.array([0.0, 0.15, 0.41, 0.42, 0.45, 0.85, 1.0])
    expected = ["background"] * 2 + ["a"] * 3 + ["b"] + ["c"] * 3 + ["background"]
    assert _frame_labels(labels, bounds, frame_t).tolist() == expected
