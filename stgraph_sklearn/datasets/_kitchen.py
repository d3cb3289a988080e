"""make_kitchen_activities: a 50 Salads-like simulation of object-mounted accelerometers and video."""

from __future__ import annotations

from numbers import Integral, Real
from typing import NamedTuple

import numpy as np
from scipy.ndimage import gaussian_filter1d
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, InvalidParameterError, validate_params

from ..data import Modality, Recording
from ..utils import check_not_bool
from ._vocabulary import BACKGROUND, KITCHEN_OBJECTS, MID_LEVEL_ACTIONS

__all__ = ["make_kitchen_activities"]

_CALLER = "make_kitchen_activities"
_ACCEL_RATE = 50.0
_FRAME_RATE = 30.0
_VIDEO_DIM = 16
_CLASSES = (*MID_LEVEL_ACTIONS, BACKGROUND)
_OBJ = {name: i for i, name in enumerate(KITCHEN_OBJECTS)}
_UP = np.array([0.0, 0.0, 1.0])


class _Motion(NamedTuple):
    obj: str
    pattern: str  # impact | circle | shake | stroke | sway | hold
    freq: float  # Hz, before the subject's tempo
    amp: float  # g (RMS of the oscillation), before the subject's intensity
    tilt: float  # degrees the object is tilted while in use (changes gravity's direction)
    driver: int  # motions of one action sharing a driver move together (rigidly coupled)
    lag: float = 0.0  # phase lag (rad) behind the driver


def _cut(freq, coupled):
    return [
        _Motion("knife", "impact", freq, 0.9, 70.0, 0),
        _Motion("chopping_board", "impact", freq, 0.25, 0.0, 0 if coupled else 1, 0.15),
    ]


def _place():
    return [
        _Motion("chopping_board", "sway", 0.8, 0.3, 55.0, 0),
        _Motion("knife", "stroke", 2.5, 0.4, 80.0, 1),
        _Motion("bowl", "impact", 2.5, 0.06, 0.0, 1, 0.3),
    ]


# What each action does to which object. Pairs built to need the graph: (add_salt, mix_dressing)
# and (cut_lettuce, cut_cheese) move the same objects with the same rhythm, energy and tilt and
# differ only in whether the two objects share one driver (move together) or not. The four
# place_* actions are identical; cut_tomato / cut_cucumber differ only by a rhythm nuance.
_ACTIONS = {
    "add_oil": [
        _Motion("oil_bottle", "sway", 0.5, 0.10, 105.0, 0),
        _Motion("dressing_glass", "hold", 0.5, 0.0, 20.0, 1),
    ],
    "add_vinegar": [_Motion("dressing_glass", "sway", 0.5, 0.06, 30.0, 0)],
    "add_salt": [
        _Motion("small_spoon", "circle", 1.8, 0.35, 40.0, 0),
        _Motion("dressing_glass", "circle", 1.8, 0.20, 10.0, 1, 0.4),
    ],
    "add_pepper": [
        _Motion("pepper_dispenser", "shake", 4.0, 0.9, 150.0, 0),
        _Motion("dressing_glass", "hold", 0.5, 0.0, 10.0, 1),
    ],
    "mix_dressing": [
        _Motion("small_spoon", "circle", 1.8, 0.35, 40.0, 0),
        _Motion("dressing_glass", "circle", 1.8, 0.20, 10.0, 0, 0.4),
    ],
    "peel_cucumber": [
        _Motion("peeler", "stroke", 2.0, 0.6, 45.0, 0),
        _Motion("chopping_board", "stroke", 2.0, 0.08, 0.0, 0, 0.2),
    ],
    "cut_cucumber": _cut(4.0, True),
    "cut_tomato": _cut(3.5, True),
    "cut_cheese": _cut(3.7, True),
    "cut_lettuce": _cut(3.7, False),
    "place_cheese_into_bowl": _place(),
    "place_cucumber_into_bowl": _place(),
    "place_lettuce_into_bowl": _place(),
    "place_tomato_into_bowl": _place(),
    "mix_ingredients": [
        _Motion("large_spoon", "circle", 1.5, 0.5, 50.0, 0),
        _Motion("bowl", "circle", 1.5, 0.15, 0.0, 0, 0.5),
    ],
    "add_dressing": [
        _Motion("dressing_glass", "sway", 0.5, 0.10, 120.0, 0),
        _Motion("small_spoon", "stroke", 2.0, 0.2, 60.0, 1),
    ],
    "serve_salad_onto_plate": [
        _Motion("large_spoon", "stroke", 1.2, 0.5, 60.0, 0),
        _Motion("plate", "impact", 1.2, 0.10, 0.0, 0, 0.6),
        _Motion("bowl", "sway", 0.5, 0.15, 25.0, 1),
    ],
}

# Mean durations (s) at the reference recording length, before stretching to ``duration``.
_MEAN_DURATION = {
    "add_oil": 7.0,
    "add_vinegar": 6.0,
    "add_salt": 5.0,
    "add_pepper": 7.0,
    "mix_dressing": 9.0,
    "peel_cucumber": 16.0,
    "cut_cucumber": 18.0,
    "cut_tomato": 16.0,
    "cut_cheese": 12.0,
    "cut_lettuce": 16.0,
    "place_cheese_into_bowl": 5.0,
    "place_cucumber_into_bowl": 5.0,
    "place_lettuce_into_bowl": 5.0,
    "place_tomato_into_bowl": 5.0,
    "mix_ingredients": 10.0,
    "add_dressing": 6.0,
    "serve_salad_onto_plate": 10.0,
}
_GAP_PROB, _GAP_MEAN, _EDGE_MEAN = 0.8, 2.0, 3.0
_MIN_SEGMENT = 0.1  # s: no segment (action or background) is shorter
# A recording has up to 35 segments (17 actions, 16 gaps, 2 edges): below this ``duration``
# even the shortest possible timeline of such a recording is longer than asked.
_MIN_DURATION = 3.5
_REFERENCE_LENGTH = (
    sum(_MEAN_DURATION.values())
    + (len(_MEAN_DURATION) - 1) * _GAP_PROB * _GAP_MEAN
    + 2 * _EDGE_MEAN
)

# Fixed "world": video class prototypes shared by every call (whatever the random_state), so
# data sets drawn with different seeds describe the same actions.
_PROTOTYPES = np.random.RandomState(50).normal(size=(len(_CLASSES), _VIDEO_DIM))
_VIDEO_GAIN = 0.3
_VIDEO_SMOOTH = 1.0  # s, blur of the video evidence and correlation time of its noise

_IMPACT_GRID = ((1.0 + np.cos(np.linspace(0, 2 * np.pi, 4096, endpoint=False))) / 2.0) ** 6
_IMPACT_MEAN, _IMPACT_STD = float(_IMPACT_GRID.mean()), float(_IMPACT_GRID.std())


def _unit(v):
    return v / np.linalg.norm(v)


def _random_rotation(rng):
    q = _unit(rng.normal(size=4))
    w, x, y, z = q
    return np.array(
        [
            [1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
            [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
            [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)],
        ]
    )


def _small_rotation(rng, sigma_deg):
    axis = _unit(rng.normal(size=3))
    angle = np.deg2rad(rng.normal(scale=sigma_deg))
    k = np.array([[0, -axis[2], axis[1]], [axis[2], 0, -axis[0]], [-axis[1], axis[0], 0]])
    return np.eye(3) + np.sin(angle) * k + (1 - np.cos(angle)) * (k @ k)


def _draw_subject(rng):
    n_obj = len(KITCHEN_OBJECTS)
    alpha = rng.uniform(0, 2 * np.pi, size=n_obj)
    return {
        "rotation": np.stack([_random_rotation(rng) for _ in range(n_obj)]),
        "h1": np.stack([np.cos(alpha), np.sin(alpha), np.zeros(n_obj)], axis=1),
        "h2": np.stack([-np.sin(alpha), np.cos(alpha), np.zeros(n_obj)], axis=1),
        "tempo": float(rng.lognormal(0.0, 0.10)),
        "intensity": float(rng.lognormal(0.0, 0.25)),
        "speed": float(rng.lognormal(-0.02, 0.2)),
        "video_offset": rng.normal(scale=0.5, size=_VIDEO_DIM),
    }


def _recipe(rng):
    """One ordering of the 17 actions following the salad grammar."""
    liquids = list(rng.permutation(["add_oil", "add_vinegar"]))
    seasonings = list(rng.permutation(["add_salt", "add_pepper"]))
    steps = liquids + seasonings if rng.rand() < 0.7 else seasonings + liquids
    steps.append("mix_dressing")
    for ingredient in rng.permutation(["cucumber", "tomato", "cheese", "lettuce"]):
        if ingredient == "cucumber":
            steps.append("peel_cucumber")
        steps += [f"cut_{ingredient}", f"place_{ingredient}_into_bowl"]
    steps += ["mix_ingredients", "add_dressing", "serve_salad_onto_plate"]
    return [str(s) for s in steps]


def _timeline(rng, subject, duration):
    """True segments (label, start, end) in seconds on the reference clock."""
    scale = duration / _REFERENCE_LENGTH * subject["speed"]
    labels, lengths = [], []

    def add(label, length):
        labels.append(label)
        lengths.append(max(length, _MIN_SEGMENT))

    add(BACKGROUND, scale * rng.gamma(3.0, _EDGE_MEAN / 3.0))
    steps = _recipe(rng)
    for k, action in enumerate(steps):
        if k > 0 and rng.rand() < _GAP_PROB:
            add(BACKGROUND, scale * rng.gamma(2.0, _GAP_MEAN / 2.0))
        add(action, scale * _MEAN_DURATION[action] * rng.gamma(6.0, 1.0 / 6.0))
    add(BACKGROUND, scale * rng.gamma(3.0, _EDGE_MEAN / 3.0))
    bounds = np.concatenate([[0.0], np.cumsum(lengths)])
    return labels, bounds


def _jitter_bounds(rng, bounds, boundary_jitter):
    """Annotation boundaries: the true ones shifted randomly, order and length kept."""
    lengths = np.diff(bounds)
    room = 0.45 * np.minimum(lengths[:-1], lengths[1:])
    limit = np.minimum(room, boundary_jitter)
    shift = np.clip(boundary_jitter / 2.0 * rng.normal(size=len(bounds) - 2), -limit, limit)
    out = bounds.copy()
    out[1:-1] += shift
    return out


def _frame_labels(labels, annotated, frame_t):
    """One label per frame from the annotated boundaries; every action keeps a frame.

    Frame ``j`` takes segment ``s`` where ``annotated[s] <= frame_t[j] < annotated[s + 1]``.
    An action the jitter leaves without a frame (shorter than a frame and between two
    frames) takes the frame after it, the next boundaries moving on by a frame where
    needed, so each action stays in the labels once. A background gap may vanish (its
    neighbours then meet, as when no gap was drawn); nothing else changes.
    """
    first = np.searchsorted(frame_t, annotated, side="left")  # first frame of each segment
    first[0], first[-1] = 0, frame_t.size
    # frames each segment needs: 1 for an action, 0 for background; c[s] = sum before s
    need = np.array([label != BACKGROUND for label in labels], dtype=np.intp)
    c = np.concatenate([[0], np.cumsum(need)])
    # first[s] >= first[s - 1] + need[s - 1] (forward), then first[s] <= first[s + 1] -
    # need[s] (backward); the true actions span >= 2 frames, so both hold at the end
    first[:-1] = np.maximum.accumulate(first[:-1] - c[:-1]) + c[:-1]
    first = np.minimum.accumulate((first - c)[::-1])[::-1] + c
    return np.repeat(np.asarray(labels), np.diff(first))


def _smooth_noise(rng, u, length, step):
    """Unit-variance noise, smooth on the time scale ``step`` (s), at times ``u`` in [0, length]."""
    knots = np.arange(0.0, length + 2 * step, step)
    return np.interp(u, knots, rng.normal(size=knots.size))


def _ramp(u, length, tau):
    tau = max(min(tau, length / 4.0), 1e-3)
    r = np.clip(np.minimum(u, length - u) / tau, 0.0, 1.0)
    return 0.5 - 0.5 * np.cos(np.pi * r)


def _driver(rng, motion, subject, u, length):
    """Phase (rad) and amplitude envelope of one driver over one segment."""
    freq = motion.freq * subject["tempo"] * np.exp(0.06 * rng.normal())
    phase = (
        2 * np.pi * freq * u + rng.uniform(0, 2 * np.pi) + 0.6 * _smooth_noise(rng, u, length, 0.4)
    )
    env = _ramp(u, length, 0.3) * np.exp(0.25 * _smooth_noise(rng, u, length, 0.7))
    env *= rng.lognormal(0.0, 0.15)
    if length > 3.0:
        for _ in range(rng.poisson(length / 8.0)):
            centre = rng.uniform(0.15, 0.85) * length
            width = rng.uniform(0.25, 0.6)
            env *= 1.0 - np.exp(-(((u - centre) / width) ** 4))
    return phase, env


def _wave(pattern, phase, h1, h2):
    """Unit-RMS oscillation of a pattern as world-frame vectors, shape (n, 3)."""
    if pattern == "impact":
        s = (((1.0 + np.cos(phase)) / 2.0) ** 6 - _IMPACT_MEAN) / _IMPACT_STD
        return s[:, None] * _unit(0.95 * _UP + 0.3 * h1)
    if pattern == "circle":
        return np.cos(phase)[:, None] * h1 + np.sin(phase)[:, None] * h2
    if pattern == "shake":
        return np.sqrt(2.0) * np.sin(phase)[:, None] * _unit(_UP + 0.8 * h1)
    if pattern == "stroke":
        s = (np.sin(phase) + 0.5 * np.sin(2 * phase + 0.6)) / np.sqrt(0.625)
        return s[:, None] * _unit(h1 + 0.3 * _UP)
    if pattern == "sway":
        return np.sqrt(2.0) * np.sin(phase)[:, None] * _unit(h1 + 0.5 * _UP)
    return np.zeros((phase.size, 3))  # hold


def _apply_segment(rng, motions, subject, t, start, end, motion_acc, gravity, bumps):
    """Add the motions of one segment to the world-frame acceleration and gravity arrays."""
    i0, i1 = np.searchsorted(t, [start, end])
    length = end - start
    if i1 <= i0:
        return
    u = t[i0:i1] - start
    drivers = {}
    for m in motions:
        if m.driver not in drivers:
            drivers[m.driver] = _driver(rng, m, subject, u, length)
        phase, env = drivers[m.driver]
        o = _OBJ[m.obj]
        h1, h2 = subject["h1"][o], subject["h2"][o]
        amp = m.amp * subject["intensity"]
        acc = amp * env[:, None] * _wave(m.pattern, phase - m.lag, h1, h2)
        tremor = 0.015 * np.sin(2 * np.pi * 9.5 * u + 2.0 * _smooth_noise(rng, u, length, 0.3))
        acc += (tremor * _ramp(u, length, 0.2))[:, None] * h2
        motion_acc[i0:i1, o] += acc
        if m.tilt:
            theta = np.deg2rad(m.tilt) * _ramp(u, length, 0.5)
            if m.tilt >= 90:  # pouring: the tilt comes and goes
                theta *= 0.75 + 0.25 * np.sin(2 * np.pi * 0.25 * u + rng.uniform(0, 2 * np.pi))
            gravity[i0:i1, o] = np.cos(theta)[:, None] * _UP + np.sin(theta)[:, None] * h2
        # picking the object up and putting it down again
        for when in (start, end):
            bumps.append((o, when + rng.normal(scale=0.1), 0.25 * subject["intensity"]))


def _add_bumps(rng, values, tau, bumps):
    """Short damped transients (sensor frame, random direction) at the listed (node, time, amp)."""
    for o, when, amp in bumps:
        decay = rng.uniform(0.03, 0.1)
        i0, i1 = np.searchsorted(tau, [when, when + 5 * decay])
        if i1 <= i0:
            continue
        u = tau[i0:i1] - when
        s = amp * rng.lognormal(0.0, 0.4) * np.exp(-u / decay)
        s *= np.sin(2 * np.pi * rng.uniform(6.0, 15.0) * u)
        values[i0:i1, o] += s[:, None] * _unit(rng.normal(size=3))


def _simulate_recording(streams, subject, bounds_labels, params):
    """One recording. ``streams`` holds independent RandomStates so that a knob (noise,
    dropout, clock, jitter) changes only its own part of the data."""
    rng, nuisance, dropout_rng, clock_rng, video_rng, annotation_rng = streams
    labels, bounds = bounds_labels
    noise, dropout, clock_drift = params["noise"], params["dropout"], params["clock_drift"]
    n_obj = len(KITCHEN_OBJECTS)
    total = bounds[-1]

    # accelerometer clock: stamp = t + offset0 + rate * t (seconds)
    offset0 = clock_drift * clock_rng.uniform(-0.5, 0.5)
    drift = clock_drift * clock_rng.uniform(-1e-3, 1e-3)
    lead, tail = clock_rng.uniform(0.0, 1.0, size=2) if clock_drift > 0 else (0.0, 0.0)
    first_stamp = offset0 - lead
    n_acc = int(np.ceil((total * (1.0 + drift) + lead + tail) * _ACCEL_RATE))
    stamps = first_stamp + np.arange(n_acc) / _ACCEL_RATE
    t = (stamps - offset0) / (1.0 + drift)  # reference time of every accelerometer sample

    motion_acc = np.zeros((n_acc, n_obj, 3))
    gravity = np.broadcast_to(_UP, (n_acc, n_obj, 3)).copy()
    bumps = []
    for label, start, end in zip(labels, bounds[:-1], bounds[1:], strict=True):
        if label != BACKGROUND:
            motions = _ACTIONS[label]
            seg_rng = rng
        elif nuisance.rand() < 0.35 * min(noise, 1.0):
            # someone moves an object around between steps: motion that is no action
            obj = KITCHEN_OBJECTS[nuisance.randint(n_obj)]
            freq, amp, tilt = nuisance.uniform([0.4, 0.05, 0.0], [1.2, 0.2, 30.0])
            motions = [_Motion(obj, "sway", freq, amp * noise, tilt, 0)]
            seg_rng = nuisance
        else:
            continue
        _apply_segment(seg_rng, motions, subject, t, start, end, motion_acc, gravity, bumps)

    # incidental bumps on every object, in use or not: a bump is no evidence of an action
    for o in range(n_obj):
        n_bumps = nuisance.poisson(noise * (t[-1] - t[0]) / 15.0)
        for when in nuisance.uniform(t[0], t[-1], size=n_bumps):
            bumps.append((o, when, nuisance.uniform(0.1, 0.6) * noise))

    rotation = subject["rotation"] @ np.stack([_small_rotation(rng, 4.0) for _ in range(n_obj)])
    values = np.einsum("noj,oij->noi", motion_acc + gravity, rotation)
    _add_bumps(rng, values, t, bumps)
    values += noise * 0.02 * nuisance.normal(size=(1, n_obj, 3))  # sensor bias
    values += noise * 0.02 * nuisance.normal(size=values.shape)

    for o in range(n_obj):  # sensor dropout
        whole, some, n_gaps = dropout_rng.rand(), dropout_rng.rand(), 1 + dropout_rng.poisson(0.5)
        gaps, starts = dropout_rng.uniform(1.0, 10.0, size=n_gaps), dropout_rng.rand(n_gaps)
        if whole < dropout / 4.0:
            values[:, o] = np.nan
        elif some < dropout:
            for gap, u in zip(gaps, starts, strict=True):
                start = t[0] - gap / 2 + u * (t[-1] - t[0])
                values[(t >= start) & (t < start + gap), o] = np.nan

    if clock_drift > 0:
        clock = np.array([[t[0], offset0 + drift * t[0]], [t[-1], offset0 + drift * t[-1]]])
        accel = Modality(
            values.astype(np.float32),
            rate=_ACCEL_RATE,
            start=float(first_stamp),
            node_names=KITCHEN_OBJECTS,
            clock=clock,
        )
    else:
        accel = Modality(values.astype(np.float32), rate=_ACCEL_RATE, node_names=KITCHEN_OBJECTS)

    # video: smoothed class evidence x weak gain + smoothed noise + subject offset
    n_frames = max(int(np.floor(total * _FRAME_RATE)), 1)
    frame_t = np.arange(n_frames) / _FRAME_RATE
    true_idx = np.searchsorted(bounds, frame_t, side="right") - 1
    class_of = {c: i for i, c in enumerate(_CLASSES)}
    onehot = np.zeros((n_frames, len(_CLASSES)))
    onehot[np.arange(n_frames), [class_of[labels[k]] for k in true_idx]] = 1.0
    sigma = _VIDEO_SMOOTH * _FRAME_RATE / 2.0
    evidence = gaussian_filter1d(onehot, sigma, axis=0, mode="nearest") @ _PROTOTYPES
    sigma_noise = _VIDEO_SMOOTH * _FRAME_RATE
    video_noise = gaussian_filter1d(
        video_rng.normal(size=(n_frames, _VIDEO_DIM)), sigma_noise, axis=0, mode="wrap"
    ) * np.sqrt(2.0 * np.sqrt(np.pi) * sigma_noise)
    video = (
        _VIDEO_GAIN * params["video_strength"] * evidence
        + max(noise, 0.25) * video_noise
        + subject["video_offset"]
    )
    modalities = {
        "accel": accel,
        "video": Modality(video.astype(np.float32), rate=_FRAME_RATE),
    }

    annotated = _jitter_bounds(annotation_rng, bounds, params["boundary_jitter"])
    return modalities, n_frames, _frame_labels(labels, annotated, frame_t)


@validate_params(
    {
        "n_recordings": [Interval(Integral, 1, None, closed="left")],
        "n_subjects": [Interval(Integral, 1, None, closed="left")],
        "duration": [Interval(Real, _MIN_DURATION, None, closed="left")],
        "noise": [Interval(Real, 0, None, closed="left")],
        "dropout": [Interval(Real, 0, 1, closed="both")],
        "clock_drift": [Interval(Real, 0, None, closed="left")],
        "boundary_jitter": [Interval(Real, 0, None, closed="left")],
        "video_strength": [Interval(Real, 0, None, closed="left")],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def make_kitchen_activities(
    n_recordings=20,
    n_subjects=5,
    *,
    duration=120.0,
    noise=1.0,
    dropout=0.1,
    clock_drift=1.0,
    boundary_jitter=0.5,
    video_strength=1.0,
    random_state=None,
):
    """Simulate 50 Salads-like salad preparation: object accelerometers, weak video, labels.

    Every recording is one subject preparing one salad. Ten kitchen objects carry a 3-axis
    accelerometer sampled at 50 Hz on the sensors' own clock; a low-dimensional "video"
    feature stream at 30 fps carries weak evidence of the action. Labels are the 17
    mid-level 50 Salads actions plus ``"background"``, one per 30 fps frame. The data are
    built so that per-frame, per-node classifiers stay well below perfect: some actions can
    only be told apart from how objects move *together* (graph structure) or from what came
    before (temporal context). See Notes for the complete generative model.

    Parameters
    ----------
    n_recordings : int, default=20
        Number of recordings (salads).
    n_subjects : int, default=5
        Number of subjects, in ``[1, n_recordings]``. Recording ``i`` belongs to subject
        ``i % n_subjects`` (round-robin), so every subject has at least one recording.
    duration : float, default=120.0
        Mean recording length in seconds, at least 3.5; action and gap durations are
        stretched or compressed to match (real 50 Salads trials last about 6.4 minutes;
        short values make tiny data sets for tests). No segment (action or background)
        lasts less than 0.1 s, so however short ``duration`` is, a recording lasts at least
        1.9 s (17 actions and two edges) and, with all 16 gaps, 3.5 s; below about 10 s
        the recordings are therefore longer than ``duration`` on average (by about 5 % at
        10 s, 17 % at 5 s and 30 % at 3.5 s).
    noise : float, default=1.0
        Scales every nuisance source: accelerometer white noise (0.02 g) and bias (0.02 g),
        incidental bumps (rate and amplitude), object handling during background, and the
        video noise (which never drops below a quarter of its default level). 0 disables
        the accelerometer nuisances.
    dropout : float, default=0.1
        Per recording and object, probability of one or more NaN gaps of 1 to 10 s; with
        probability ``dropout / 4`` the object's sensor is missing (NaN) for the whole
        recording instead. In ``[0, 1]``.
    clock_drift : float, default=1.0
        Scales the accelerometer clock error: a constant offset drawn uniformly in
        ``±0.5 * clock_drift`` s and a drift rate in ``±0.1 * clock_drift`` %. The error is
        given as ``Modality.clock`` anchors; 0 puts the accelerometers on the video clock
        (``clock=None``, first sample at 0 s).
    boundary_jitter : float, default=0.5
        Annotation noise in seconds: every labelled boundary is shifted from the motion
        boundary by a normal draw of standard deviation ``boundary_jitter / 2``, clipped to
        ``±boundary_jitter`` and to 45 % of the neighbouring segments. An action left
        without a frame (shorter than a frame and between two frames, as can happen for
        short ``duration``) takes the frame after it, so every action keeps at least one
        labelled frame; a short background gap may vanish from the labels.
    video_strength : float, default=1.0
        Scales the class evidence in the video stream (0 makes it pure nuisance).
    random_state : int, RandomState instance or None, default=None
        Seed for everything that varies between calls. The "world" (objects, actions,
        motion patterns, video class prototypes) is fixed, so data sets made with
        different seeds can train and test one another.

    Returns
    -------
    X : list of Recording of length n_recordings
        Each with ``frame_rate=30``, ``n_frames`` set, ``name`` (``"kitchen-SS-R"``:
        subject and repetition) and ``subject``, and two modalities:
        ``"accel"``: values of shape (n_samples, 10, 3) in g, ``rate=50`` Hz, ``start`` and
        ``clock`` describing the sensor clock, node names the ten 50 Salads tools in
        alphabetical order (``"bowl"``, ``"chopping_board"``, ..., ``"small_spoon"``);
        ``"video"``: values of shape (n_frames, 1, 16) (one node), ``rate=30`` Hz on the reference clock.
    y : list of ndarray of str of shape (n_frames,)
        One label per reference frame.
    groups : ndarray of int of shape (n_recordings,)
        The subject of every recording (for ``GroupKFold`` / ``LeaveOneGroupOut``).

    See Also
    --------
    load_50salads : The real data set this simulation imitates.

    Notes
    -----
    **Objects** (node order): bowl, chopping_board, dressing_glass, knife, large_spoon,
    oil_bottle, peeler, pepper_dispenser, plate, small_spoon.

    **Grammar.** Every salad performs each of the 17 actions once, each with at least one
    labelled frame. Dressing: ``add_oil`` and ``add_vinegar`` in random order, ``add_salt``
    and ``add_pepper`` in random order, the liquid pair first with probability 0.7, then
    ``mix_dressing``. Then the four
    ingredients in random order, each ``cut_X`` then ``place_X_into_bowl``, cucumber
    preceded by ``peel_cucumber``. Then ``mix_ingredients``, ``add_dressing``,
    ``serve_salad_onto_plate``. Background opens and closes the recording (mean 3 s) and
    separates consecutive actions with probability 0.8 (mean 2 s). Action durations are
    gamma distributed (shape 6) around per-action means (5 s for a place, 18 s for cutting
    the cucumber), times a subject speed factor (log-normal, sd 0.2). These lengths make a
    mean recording of about 190 s; all are scaled by ``duration / 190``, and any segment
    then shorter than 0.1 s lasts 0.1 s.

    **Motion.** Each action moves a fixed set of objects; each moved object follows a
    *driver*: a phase ``2π f t`` with smooth phase wobble, an amplitude envelope (ramps
    at start and end, slow fluctuation, random pauses about every 8 s) and a waveform:
    impacts (cutting: knife 0.9 g and board 0.25 g; cucumber 4.0 Hz, tomato 3.5 Hz,
    cheese and lettuce 3.7 Hz), circles (stirring: mix_ingredients 1.5 Hz with
    large_spoon + bowl, mix_dressing and add_salt 1.8 Hz with small_spoon +
    dressing_glass), shaking (add_pepper, 4 Hz), strokes (peeling 2 Hz; scraping the
    board into the bowl 2.5 Hz; serving 1.2 Hz), slow sways and tilts (pouring oil, vinegar
    and dressing; carrying the board). Objects in use are tilted (the gravity vector
    rotates by an action-specific angle, e.g. 150° for the pepper dispenser), and show
    hand tremor and pick-up / put-down transients. Frequencies scale with a subject tempo
    (log-normal, sd 0.1) and a per-segment factor (sd 6 %); amplitudes with a subject
    intensity (sd 0.25) and a per-segment factor (sd 0.15). Every sensor has a random
    orientation per subject (plus 4° per recording) applied to motion and gravity alike.
    Idle objects read gravity, 1 g along their rotated vertical.

    **What needs graph structure and time.** ``add_salt`` and ``mix_dressing`` move the
    same objects with identical frequency, energy and tilt: in ``mix_dressing`` the glass
    is driven by the spoon (one shared driver, fixed phase lag), in ``add_salt`` both move
    independently. ``cut_cheese`` (board struck in phase with the knife) and
    ``cut_lettuce`` (board moved on its own rhythm) differ in the same way only. The four
    ``place_X_into_bowl`` actions are identical in motion, told apart only by the
    preceding ``cut_X``; ``cut_tomato`` and ``cut_cucumber`` differ by a rhythm nuance
    smaller than the subject and segment variation, and by context (the cucumber is
    peeled first). ``add_vinegar`` only sways the glass gently.

    **Video.** 16 features per frame: the one-hot true action blurred over about 1 s,
    times fixed random class prototypes times ``0.3 * video_strength``, plus Gaussian
    noise smoothed over about 1 s (unit variance) and a subject offset (sd 0.5).

    **Messiness.** Sensor white noise and bias, incidental bumps (damped 6-15 Hz
    transients, about one per 15 s on every object, in use or not), objects handled during
    background (probability 0.35), dropout gaps and whole missing sensors, a per-recording
    accelerometer clock offset and drift (with ``clock_drift > 0`` the accelerometer also
    starts up to 1 s before and stops up to 1 s after the video), and annotation
    boundaries jittered from the motion boundaries. Video and motion follow the true boundaries; labels the annotated
    ones.

    Examples
    --------
    >>> from stgraph_sklearn.datasets import make_kitchen_activities
    >>> X, y, groups = make_kitchen_activities(n_recordings=2, n_subjects=2, duration=30.0,
    ...                                        random_state=0)
    >>> X[0].modalities["accel"].values.shape[1:], X[0].modalities["video"].n_channels
    ((10, 3), 16)
    >>> len(y[0]) == X[0].n_frames, groups.tolist()
    (True, [0, 1])
    """
    check_not_bool(
        _CALLER,
        n_recordings=n_recordings,
        n_subjects=n_subjects,
        duration=duration,
        noise=noise,
        dropout=dropout,
        clock_drift=clock_drift,
        boundary_jitter=boundary_jitter,
        video_strength=video_strength,
    )
    if n_subjects > n_recordings:
        raise InvalidParameterError(
            f"The 'n_subjects' parameter of {_CALLER} must be an int in the range "
            f"[1, n_recordings] (n_recordings={n_recordings}). Got {n_subjects!r} instead."
        )
    params = {
        "duration": duration,
        "noise": noise,
        "dropout": dropout,
        "clock_drift": clock_drift,
        "boundary_jitter": boundary_jitter,
        "video_strength": video_strength,
    }
    for name, value in params.items():
        if not np.isfinite(value):
            raise InvalidParameterError(
                f"The '{name}' parameter of {_CALLER} must be finite. Got {value!r} instead."
            )
    params = {name: float(value) for name, value in params.items()}
    rng = check_random_state(random_state)
    subjects = [_draw_subject(rng) for _ in range(n_subjects)]
    X, y, groups = [], [], []
    for i in range(n_recordings):
        s = i % n_subjects
        streams = [np.random.RandomState(seed) for seed in rng.randint(2**31 - 1, size=6)]
        timeline = _timeline(streams[0], subjects[s], params["duration"])
        modalities, n_frames, labels = _simulate_recording(streams, subjects[s], timeline, params)
        X.append(
            Recording(
                modalities,
                frame_rate=_FRAME_RATE,
                n_frames=n_frames,
                name=f"kitchen-{s:02d}-{i // n_subjects + 1}",
                subject=s,
            )
        )
        y.append(labels)
        groups.append(s)
    return X, y, np.asarray(groups, dtype=np.int64)
