"""Tests of the segmentation metrics against METRICS.md and an independent reference."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stgraph_sklearn.metrics import (
    edit_score,
    f1_at_k_score,
    frame_accuracy_score,
    segmentation_report,
)

# ----------------------------------------------------------------------------- worked cases

T1 = [0, 0, 0, 1, 1, 1, 1, 2, 2, 2]
P1 = [0, 0, 1, 1, 1, 1, 1, 2, 2, 0]
T2 = ["bg", "bg", "cut", "cut", "cut", "bg", "mix", "mix", "mix", "mix", "bg", "bg"]
P2 = ["bg", "cut", "cut", "bg", "cut", "cut", "mix", "mix", "bg", "mix", "mix", "bg"]

WORKED_CASES = [
    # (y_true, y_pred, background, accuracy, edit, f1@10, f1@25, f1@50)
    pytest.param(T1, P1, None, 0.8, 0.75, 6 / 7, 6 / 7, 6 / 7, id="case1"),
    pytest.param(T2, P2, {"bg"}, 7 / 12, 0.5, 2 / 3, 2 / 3, 1 / 3, id="case2"),
    pytest.param([T1, T2], [P1, P2], {"bg"}, 15 / 22, 0.625, 10 / 13, 10 / 13, 8 / 13, id="case3"),
]


@pytest.mark.parametrize("y_true, y_pred, background, acc, edit, f10, f25, f50", WORKED_CASES)
def test_worked_cases_of_metrics_md(y_true, y_pred, background, acc, edit, f10, f25, f50):
    """Check the three worked cases of METRICS.md, score by score."""
    assert frame_accuracy_score(y_true, y_pred) == pytest.approx(acc)
    assert edit_score(y_true, y_pred, background=background) == pytest.approx(edit)
    assert f1_at_k_score(y_true, y_pred, k=0.10, background=background) == pytest.approx(f10)
    assert f1_at_k_score(y_true, y_pred, k=0.25, background=background) == pytest.approx(f25)
    assert f1_at_k_score(y_true, y_pred, k=0.50, background=background) == pytest.approx(f50)
    report = segmentation_report(y_true, y_pred, background=background, output_dict=True)
    assert report == pytest.approx(
        {"accuracy": acc, "edit": edit, "f1@10": f10, "f1@25": f25, "f1@50": f50}
    )


def test_worked_case_1_exact_values():
    """Check the values of case 1 that are exact in binary floating point."""
    assert frame_accuracy_score(T1, P1) == 0.8
    assert edit_score(T1, P1) == 0.75


def test_segmentation_report_dataframe():
    """Check that the report is a one-row DataFrame with the five table columns."""
    report = segmentation_report([T1, T2], [P1, P2], background={"bg"})
    assert isinstance(report, pd.DataFrame)
    assert list(report.columns) == ["accuracy", "edit", "f1@10", "f1@25", "f1@50"]
    assert report.shape == (1, 5)
    assert report.loc[0, "f1@50"] == pytest.approx(8 / 13)


def test_macro_averages_on_case_3():
    """Check that macro averaging is the mean of the per-sequence scores."""
    assert frame_accuracy_score([T1, T2], [P1, P2], average="macro") == pytest.approx(
        (0.8 + 7 / 12) / 2
    )
    assert f1_at_k_score(
        [T1, T2], [P1, P2], k=0.5, background={"bg"}, average="macro"
    ) == pytest.approx((6 / 7 + 1 / 3) / 2)


def test_f1_matches_greedily_without_fallback():
    """Check that a prediction whose best true segment is taken is a false positive."""
    y_true = list("aaaabaaaa")  # a(0,4) b(4,5) a(5,9)
    y_pred = list("aacaaabbb")  # a(0,2) c(2,3) a(3,6) b(6,9); a(3,6) ties, first is taken
    # tp=1 (a(0,2)), fp=3, fn=2; a fall-back to a(5,9) would give 4/7
    assert f1_at_k_score(y_true, y_pred, k=0.1) == pytest.approx(2 / 7)


def test_f1_matches_in_temporal_order():
    """Check that the earlier prediction takes the true segment even with a lower IoU."""
    y_true = ["a"] * 10
    y_pred = ["a"] * 3 + ["b"] + ["a"] * 6
    assert f1_at_k_score(y_true, y_pred, k=0.25) == pytest.approx(2 / 4)


def test_background_splits_segments_and_empty_segment_lists():
    """Check the background rules: split runs stay two segments; empty lists give 1.0 or 0.0."""
    y_true = ["a", "a", "bg", "a", "a"]
    assert edit_score(y_true, ["a"] * 5, background={"bg"}) == 0.5
    assert edit_score(["bg"] * 4, ["bg"] * 4, background="bg") == 1.0
    assert f1_at_k_score(["bg"] * 4, ["bg"] * 4, background="bg") == 1.0
    assert edit_score(["bg"] * 4, ["bg", "a", "a", "bg"], background=["bg"]) == 0.0
    assert f1_at_k_score(["bg"] * 4, ["bg", "a", "a", "bg"], background=("bg",)) == 0.0
    # background frames still count for accuracy
    assert frame_accuracy_score(["bg"] * 4, ["bg", "a", "a", "bg"]) == 0.5


@pytest.mark.parametrize(
    "y_true, y_pred",
    [
        (np.array([[0, 1, 1], [2, 2, 0]]), [[0, 1, 1], [2, 2, 0]]),
        ((np.array([0, 1, 1]), np.array([2, 2, 0])), [(0, 1, 1), (2, 2, 0)]),
        ([pd.Series([0, 1, 1]), [2, 2, 0]], np.array([[0, 1, 1], [2, 2, 0]])),
    ],
)
def test_input_formats_are_equivalent(y_true, y_pred):
    """Check that 2-D arrays, tuples, Series and lists are all lists of sequences."""
    assert frame_accuracy_score(y_true, y_pred) == 1.0
    assert f1_at_k_score(y_true, y_pred, average="macro") == 1.0


def test_ragged_object_array_is_a_list_of_sequences():
    """Check that a 1-D object array of arrays is a list of sequences."""
    y = np.empty(2, dtype=object)
    y[0], y[1] = np.array([0, 0, 1]), np.array([1, 1])
    pred = [np.array([0, 1, 1]), np.array([1, 1])]
    assert frame_accuracy_score(y, pred) == pytest.approx(4 / 5)
    assert frame_accuracy_score(pd.Series(["a", "b"]), np.array(["a", "a"])) == 0.5


def test_inputs_are_not_mutated():
    """Check that the metrics leave their inputs untouched."""
    y_true = [np.array(T1), np.array(T2, dtype=object)]
    y_pred = [np.array(P1), np.array(P2)]
    copies = [a.copy() for a in y_true + y_pred]
    segmentation_report(y_true, y_pred, background={"bg"})
    for before, after in zip(copies, y_true + y_pred, strict=True):
        np.testing.assert_array_equal(before, after)
        assert before.dtype == after.dtype


# ----------------------------------------------------------------------------- bad inputs


@pytest.mark.parametrize(
    "y_true, y_pred, match",
    [
        ([[0, 1], [1, 1]], [[0, 1]], "y_true has 2 sequences but y_pred has 1"),
        (
            [[0, 1], [1, 1, 0, 0]],
            [[0, 1], [1, 1, 0]],
            r"y_pred\[1\] has 3 frames but y_true\[1\] has 4",
        ),
        ([0, 1, 1], [0, 1], r"y_pred\[0\] has 2 frames but y_true\[0\] has 3"),
        ([[0, 1], []], [[0, 1], []], r"y_true\[1\] is empty"),
        ([], [], "y_true is empty"),
        (np.zeros((2, 2, 2)), np.zeros((2, 2, 2)), "shape"),
        ([0.0, np.nan], [0.0, 1.0], "NaN"),
        ([0, [1, 2]], [0, 1], "mixes labels and sequences"),
    ],
)
def test_bad_sequences_raise_value_error(y_true, y_pred, match):
    """Check that malformed sequences raise a ValueError naming the problem."""
    for func in (frame_accuracy_score, edit_score, f1_at_k_score, segmentation_report):
        with pytest.raises(ValueError, match=match):
            func(y_true, y_pred)


@pytest.mark.parametrize(
    "y_true, y_pred, match",
    [
        (np.array(["a", 1, "b"], dtype=object), ["a", "b", "b"], r"y_true\[0\] mixes label types"),
        ([[0, 1], ["a", "b"]], [[0, 1], [0, 1]], r"y_pred\[1\] has numeric labels but y_true\[1\]"),
        ("abc", "abc", "string"),
        (3, 3, "int"),
    ],
)
def test_bad_label_types_raise_type_error(y_true, y_pred, match):
    """Check that mixed label types and non-sequences raise a TypeError."""
    for func in (frame_accuracy_score, edit_score, f1_at_k_score, segmentation_report):
        with pytest.raises(TypeError, match=match):
            func(y_true, y_pred)


@pytest.mark.parametrize("k", [0, 0.0, -0.1, 1.5, 50, "0.5", None, float("nan")])
def test_bad_k(k):
    """Check that k outside (0, 1] raises a ValueError naming the parameter."""
    with pytest.raises(ValueError, match=r"The 'k' parameter of f1_at_k_score"):
        f1_at_k_score(T1, P1, k=k)


def test_k_equal_to_one_is_valid():
    """Check that k=1 is allowed and requires exact segments."""
    assert f1_at_k_score(T1, T1, k=1) == 1.0
    assert f1_at_k_score(T1, P1, k=1.0) == 0.0


@pytest.mark.parametrize("average", ["weighted", None, "MICRO"])
def test_bad_average(average):
    """Check that an unknown average raises a ValueError naming the parameter."""
    with pytest.raises(ValueError, match=r"The 'average' parameter of frame_accuracy_score"):
        frame_accuracy_score(T1, P1, average=average)
    with pytest.raises(ValueError, match=r"The 'average' parameter of f1_at_k_score"):
        f1_at_k_score(T1, P1, average=average)


def test_bad_background():
    """Check that an unhashable or non-collection background raises a TypeError."""
    with pytest.raises(TypeError, match="background"):
        edit_score(T1, P1, background=[[0]])
    with pytest.raises(TypeError, match="background"):
        f1_at_k_score(T1, P1, background={0: 1})


def test_metrics_need_no_torch(run_without_torch):
    """Check that metrics (and the data helpers they use) import and run without torch."""
    code = (
        "from stgraph_sklearn.metrics import edit_score, get_scorer\n"
        "assert edit_score([0, 1], [0, 1]) == 1.0\n"
        "assert get_scorer('edit') is not None\n"
        "assert 'torch' not in sys.modules\n"
    )
    result = run_without_torch(code)
    assert result.returncode == 0, result.stderr


# ----------------------------------------------------------------------------- reference


def ref_segments(seq, background):
    """Maximal runs (label, start, end) with end exclusive, background dropped."""
    runs = []
    for i, lab in enumerate(seq):
        if i > 0 and lab == seq[i - 1]:
            runs[-1][2] = i + 1
        else:
            runs.append([lab, i, i + 1])
    return [tuple(r) for r in runs if r[0] not in background]


def ref_levenshtein(a, b):
    table = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(len(a) + 1):
        table[i][0] = i
    for j in range(len(b) + 1):
        table[0][j] = j
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            table[i][j] = min(
                table[i - 1][j] + 1,
                table[i][j - 1] + 1,
                table[i - 1][j - 1] + (a[i - 1] != b[j - 1]),
            )
    return table[len(a)][len(b)]


def ref_edit(t, p, background):
    ts = [s[0] for s in ref_segments(t, background)]
    ps = [s[0] for s in ref_segments(p, background)]
    if not ts and not ps:
        return 1.0
    return 1.0 - ref_levenshtein(ps, ts) / max(len(ts), len(ps))


def ref_f1_counts(t, p, k, background):
    true_segs = ref_segments(t, background)
    hits = [False] * len(true_segs)
    tp = fp = 0
    for p_lab, p_start, p_end in ref_segments(p, background):
        best, best_iou = None, -1.0
        for j, (t_lab, t_start, t_end) in enumerate(true_segs):
            iou = 0.0
            if t_lab == p_lab:
                inter = max(0, min(p_end, t_end) - max(p_start, t_start))
                iou = inter / (max(p_end, t_end) - min(p_start, t_start))
            if iou > best_iou:
                best, best_iou = j, iou
        if best is not None and best_iou >= k and not hits[best]:
            tp += 1
            hits[best] = True
        else:
            fp += 1
    return tp, fp, len(true_segs) - sum(hits)


def ref_f1(tp, fp, fn):
    return 1.0 if tp + fp + fn == 0 else 2 * tp / (2 * tp + fp + fn)


def ref_scores(trues, preds, k, background, average):
    correct = [
        sum(a == b for a, b in zip(t, p, strict=True)) for t, p in zip(trues, preds, strict=True)
    ]
    counts = [ref_f1_counts(t, p, k, background) for t, p in zip(trues, preds, strict=True)]
    if average == "micro":
        acc = sum(correct) / sum(len(t) for t in trues)
        f1 = ref_f1(*(sum(c[i] for c in counts) for i in range(3)))
    else:
        acc = sum(c / len(t) for c, t in zip(correct, trues, strict=True)) / len(trues)
        f1 = sum(ref_f1(*c) for c in counts) / len(counts)
    edit = sum(ref_edit(t, p, background) for t, p in zip(trues, preds, strict=True)) / len(trues)
    return acc, edit, f1


def random_sequence(rng, n_frames, alphabet):
    """Labels with runs: a random label for each random-length run."""
    seq = []
    while len(seq) < n_frames:
        seq += [alphabet[rng.integers(len(alphabet))]] * int(rng.integers(1, 6))
    return seq[:n_frames]


@pytest.mark.parametrize("seed", range(6))
def test_against_reference_on_random_cases(seed):
    """Check every metric against a straightforward pure-python implementation."""
    rng = np.random.default_rng(seed)
    for _ in range(40):
        alphabet = ["bg", "a", "b", "c"][: int(rng.integers(2, 5))]
        n_seq = int(rng.integers(1, 4))
        lengths = rng.integers(1, 30, size=n_seq)
        trues = [random_sequence(rng, n, alphabet) for n in lengths]
        preds = [random_sequence(rng, n, alphabet) for n in lengths]
        background = {"bg"} if rng.random() < 0.5 else None
        k = float(rng.choice([0.1, 0.25, 0.5, 0.75, 1.0]))
        for average in ("micro", "macro"):
            acc, edit, f1 = ref_scores(trues, preds, k, background or set(), average)
            assert frame_accuracy_score(trues, preds, average=average) == pytest.approx(acc)
            got = f1_at_k_score(trues, preds, k=k, background=background, average=average)
            assert got == pytest.approx(f1)
        assert edit_score(trues, preds, background=background) == pytest.approx(edit)


def test_chunked_iou_matches_reference(monkeypatch):
    """Check that the memory-bounded (chunked) IoU computation gives the same F1."""
    import stgraph_sklearn.metrics._segmentation as seg

    rng = np.random.default_rng(42)
    trues = [random_sequence(rng, 60, ["a", "b", "c"]) for _ in range(3)]
    preds = [random_sequence(rng, 60, ["a", "b", "c"]) for _ in range(3)]
    expected = ref_f1(
        *np.sum(
            [ref_f1_counts(t, p, 0.25, set()) for t, p in zip(trues, preds, strict=True)], axis=0
        )
    )
    monkeypatch.setattr(seg, "_MAX_IOU_CELLS", 7)
    assert f1_at_k_score(trues, preds, k=0.25) == pytest.approx(expected)


# ----------------------------------------------------------------------------- properties


@st.composite
def sequence_pairs(draw, n_labels=4):
    n_seq = draw(st.integers(1, 3))
    trues, preds = [], []
    for _ in range(n_seq):
        n = draw(st.integers(1, 25))
        trues.append(draw(st.lists(st.integers(0, n_labels - 1), min_size=n, max_size=n)))
        preds.append(draw(st.lists(st.integers(0, n_labels - 1), min_size=n, max_size=n)))
    background = draw(st.sets(st.integers(0, n_labels - 1), max_size=2))
    return trues, preds, background


def all_scores(trues, preds, background):
    scores = segmentation_report(trues, preds, background=background, output_dict=True)
    scores["acc_macro"] = frame_accuracy_score(trues, preds, average="macro")
    for k in (0.1, 0.5, 0.9):
        scores[f"f1_macro@{k}"] = f1_at_k_score(
            trues, preds, k=k, background=background, average="macro"
        )
    return scores


@settings(max_examples=50, deadline=None)
@given(sequence_pairs())
def test_perfect_prediction_scores_one(case):
    """Check that predicting the truth scores 1.0 on every metric, with any background."""
    trues, _, background = case
    assert all(v == 1.0 for v in all_scores(trues, trues, background).values())


@settings(max_examples=50, deadline=None)
@given(sequence_pairs())
def test_scores_are_fractions(case):
    """Check that every score lies in [0, 1]."""
    trues, preds, background = case
    assert all(0.0 <= v <= 1.0 for v in all_scores(trues, preds, background).values())


@settings(max_examples=50, deadline=None)
@given(sequence_pairs(), st.permutations(range(4)))
def test_renaming_labels_keeps_scores(case, perm):
    """Check that renaming the labels by a bijection (to strings) changes no score."""
    trues, preds, background = case
    names = [f"class-{perm[i]}" for i in range(4)]
    renamed = [[[names[v] for v in seq] for seq in y] for y in (trues, preds)]
    renamed_bg = {names[v] for v in background}
    assert all_scores(*renamed, renamed_bg) == all_scores(trues, preds, background)


@pytest.mark.parametrize(
    "func", [frame_accuracy_score, edit_score, f1_at_k_score, segmentation_report]
)
def test_label_errors_name_the_metric(func):
    """Check that a label error says which metric raised it (it named only y_pred[0])."""
    with pytest.raises(ValueError, match=rf"^{func.__name__}: y_pred\[0\] has 2 frames but"):
        func([0, 0, 1], [0, 1])


@pytest.mark.parametrize(
    "bad, error, match",
    [
        (pd.Series(["a", pd.NA, "b"], dtype="string"), ValueError, "missing labels"),
        ([1, pd.NA, 2], ValueError, "missing labels"),
        ([2**64, 1, 1], ValueError, "18446744073709551616, which does not fit a 64-bit"),
        ([np.inf, 1.0, 1.0], ValueError, "contains inf at frame 0"),
    ],
    ids=["pd.NA-string", "pd.NA-list", "2**64", "inf"],
)
def test_unusable_labels_are_named(bad, error, match):
    """Check pd.NA as a missing label (it read "mixes label types"), integers beyond int64 (a
    raw OverflowError) and inf (accepted as a class)."""
    with pytest.raises(error, match=match):
        frame_accuracy_score(bad, ["a", "b", "c"] if isinstance(bad, pd.Series) else [1, 1, 1])


def test_a_series_of_sequences_is_a_list_of_sequences():
    """Check that a pandas Series whose items are sequences scores them one by one."""
    y = pd.Series([[0, 0, 1], [1, 1]])
    assert edit_score(y, [[0, 0, 1], [1, 0]]) == edit_score(
        [[0, 0, 1], [1, 1]], [[0, 0, 1], [1, 0]]
    )


@pytest.mark.parametrize(
    "labels, background",
    [(["a", "bg", "b"], 0), ([0, 1, 2], "0"), ([0, 1, 2], ["bg", "idle"])],
)
def test_a_background_of_another_label_type_is_refused(labels, background):
    """Check that a background that could match no label is refused: ``0`` with the string
    labels of MS-TCN ground-truth files was silently scored as no background."""
    with pytest.raises(TypeError, match=r"^edit_score: background=.* so it would match no frame"):
        edit_score(labels, labels, background=background)
    # a label of the right type that is absent from the sequences stays valid (METRICS.md)
    also = list(background) if isinstance(background, list) else [background]
    assert edit_score(labels, labels, background=[*also, labels[0]]) == 1.0


@pytest.mark.parametrize("background", [True, [False, 0]])
def test_a_boolean_background_is_refused(background):
    """Check that True is not taken as the label 1."""
    with pytest.raises(TypeError, match="background must hold class labels, not booleans"):
        f1_at_k_score([0, 1, 1], [0, 1, 1], background=background)
