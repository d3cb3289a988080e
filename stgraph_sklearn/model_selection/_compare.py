"""evaluate_segmenters: fit and score several segmenters on the same splits, with their size
and speed, for the demo, the benchmarks and users comparing models on their own data."""

from __future__ import annotations

import numbers
import time

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.model_selection import GroupKFold, check_cv
from sklearn.utils import _safe_indexing
from sklearn.utils._param_validation import InvalidParameterError
from sklearn.utils.validation import check_is_fitted

from ..data import check_background, check_groups, check_labels, is_multiindex_panel
from ..exceptions import reraise_as
from ..metrics import segmentation_report
from ..utils import final_estimator

__all__ = ["count_parameters", "evaluate_segmenters", "fit_and_score", "summarize_evaluation"]

_SCORES = ["accuracy", "edit", "f1@10", "f1@25", "f1@50"]


def count_parameters(estimator):
    """Number of trainable parameters of a fitted neural segmenter (or of a pipeline ending in one).

    Parameters
    ----------
    estimator : fitted segmenter, Pipeline or search
        A pipeline counts its final step, a fitted ``GridSearchCV`` (or any search with
        ``best_estimator_``) its best model (:func:`~stgraph_sklearn.utils.final_estimator`).

    Returns
    -------
    n_parameters : int or None
        None for estimators without a torch module (e.g. FrameClassifierSegmenter), fitted
        or not.

    Raises
    ------
    TypeError
        If ``estimator`` is not an estimator (has no ``fit``), e.g. a model's name.
    sklearn.exceptions.NotFittedError
        If ``estimator`` is (or ends in) a neural segmenter that is not fitted: its network
        is built in ``fit``.
    """
    if not hasattr(estimator, "fit") or isinstance(estimator, type):
        raise TypeError(
            "count_parameters: 'estimator' must be a segmenter or a Pipeline ending in one. "
            f"Got {estimator!r} ({type(estimator).__name__}) instead."
        )
    final = final_estimator(estimator)
    net = getattr(final, "net_", None)
    if net is None and hasattr(final, "refit") and hasattr(final, "estimator"):
        check_is_fitted(  # a search not fitted yet (a fitted one gave its best_estimator_)
            final,
            msg="count_parameters: this %(name)s instance is not fitted yet. Fit it before "
            "counting the parameters of its best model.",
        )
    if net is None:
        if hasattr(final, "build_module"):  # a neural segmenter (as io tells them apart)
            check_is_fitted(
                final,
                "net_",
                msg="count_parameters: this %(name)s instance is not fitted yet (its network "
                "is built in 'fit'). Fit it before counting its parameters.",
            )
        return None
    return int(sum(p.numel() for p in net.module_.parameters() if p.requires_grad))


def fit_and_score(model, X_train, y_train, X_test, y_test, *, background=None):
    """Fit ``model`` in place on the training recordings and score it on the test recordings.

    Parameters
    ----------
    model : segmenter or Pipeline ending in one
        Fitted in place (not cloned).
    X_train, X_test : list of recordings
    y_train, y_test : list of array-like of shape (n_frames_i,)
    background : collection, default=None
        Labels excluded from the segmental scores; checked against ``y_test`` before the fit.

    Returns
    -------
    scores : dict
        ``accuracy, edit, f1@10, f1@25, f1@50`` (fractions), ``n_parameters`` (None for
        non-neural models), ``fit_time``, ``predict_time`` (s) and ``frames_per_second``.
    y_pred : list of ndarray of shape (n_frames_i,)
        Predictions for ``X_test``.
    """
    # y_test and background are only read by the scores, after the fit: check them first
    labels = check_labels(y_test, X_test, name="y_test", x_name="X_test", caller="fit_and_score")
    check_background(background, labels=labels, caller="fit_and_score")
    t0 = time.perf_counter()
    model.fit(X_train, y_train)
    t1 = time.perf_counter()
    y_pred = model.predict(X_test)
    t2 = time.perf_counter()
    report = segmentation_report(y_test, y_pred, background=background, output_dict=True)
    scores = {k: report[k] for k in _SCORES}
    scores.update(
        n_parameters=count_parameters(model),
        fit_time=t1 - t0,
        predict_time=t2 - t1,
        frames_per_second=sum(len(yi) for yi in y_test) / max(t2 - t1, 1e-9),
    )
    return scores, y_pred


def evaluate_segmenters(estimators, X, y, groups=None, *, cv=None, background=None, verbose=0):
    """Fit and score every estimator on the same train/test splits.

    Parameters
    ----------
    estimators : dict of str to estimator
        Segmenters or pipelines ending in one; each is cloned per split.
    X : list of recordings or an sktime Panel
        What the estimators take, indexed by position as in
        :func:`~sklearn.model_selection.cross_validate` (a pandas Series of recordings is not
        read by its index); a ``pd-multiindex`` panel is split by instance.
    y : list of array-like of shape (n_frames_i,)
        The labels of ``X[i]`` are ``y[i]`` by position, for a pandas Series too.
    groups : array-like of shape (n_recordings,), default=None
        Subject ids; with the default ``cv`` the splits are subject-disjoint.
    cv : int, cross-validation splitter or iterable of (train, test), default=None
        None means ``GroupKFold(5)`` if groups are given, else 5-fold KFold, with fewer folds
        when there are fewer subjects (recordings); at least 2 are needed. An int is the
        number of folds: ``GroupKFold(cv)`` when groups are given (subject-disjoint, unlike
        scikit-learn's ``check_cv``, whose KFold would ignore them), else ``KFold(cv)``.
    background : collection, default=None
        Labels excluded from the segmental scores.
    verbose : int, default=0
        Print one line per fitted model.

    Returns
    -------
    results : pandas.DataFrame
        One row per (model, fold): ``model``, ``fold``, ``accuracy, edit, f1@10, f1@25,
        f1@50, n_parameters, fit_time`` (s), ``predict_time`` (s) and ``frames_per_second``
        (prediction).

    Raises
    ------
    ValueError
        If ``estimators`` is empty, or ``X``, ``y``, ``groups`` or ``cv`` do not fit
        together (a split indexing past ``X``, a splitter needing ``groups``).
    TypeError
        If a value of ``estimators`` is not an estimator, or ``background`` is not a label
        or a collection of labels of the type of ``y``; raised before any fit.
    Exception
        An error of a model's fit or predict, of its own type, naming the model and fold.
    """
    caller = "evaluate_segmenters"
    # checked here, not by scikit-learn's validate_params: its wrapper renames the owner of
    # every InvalidParameterError raised inside, so an estimator's bad parameter read as
    # "the 'max_epochs' parameter of evaluate_segmenters"
    if not isinstance(estimators, dict):
        raise InvalidParameterError(
            f"The 'estimators' parameter of {caller} must be an instance of 'dict' (a name "
            f"per segmenter). Got {estimators!r} instead."
        )
    if not estimators:
        raise ValueError(
            f"{caller}: 'estimators' must map at least one name to a segmenter, e.g. "
            "{'frame': FrameClassifierSegmenter()}. Got an empty dict instead."
        )
    for name, estimator in estimators.items():  # as clone needs it, before any fit
        if isinstance(estimator, type) or not all(
            hasattr(estimator, method) for method in ("fit", "get_params")
        ):
            raise TypeError(
                f"{caller}: estimators[{name!r}] must be a segmenter or a Pipeline ending in "
                "one (an instance with fit and get_params). Got "
                f"{estimator!r} ({type(estimator).__name__}) instead."
            )
    # one label sequence per recording, by position (a pandas Series is not read by its
    # index), and a background that can match them, before any fit
    y = check_labels(y, X, caller=caller)
    n_recordings = len(y)  # of X as check_labels read it: an sktime panel's instances
    check_background(background, labels=y, caller=caller)
    if groups is not None:
        check_groups(groups, n_recordings, caller=caller)
    if cv is None:  # the default split: by subject (GroupKFold) or by recording (KFold)
        if groups is not None:
            if any(g is None or (isinstance(g, float) and np.isnan(g)) for g in groups):
                raise ValueError(f"{caller}: 'groups' has a missing subject id (None or NaN).")
            n_units, unit = len(set(groups)), "subjects in 'groups'"
        else:
            n_units, unit = n_recordings, "recordings"
        if n_units < 2:
            raise ValueError(
                f"{caller}: the default cross-validation needs at least 2 {unit}. "
                f"Got {n_units}; pass more, or a 'cv' of your own."
            )
        cv = GroupKFold(n_splits=min(5, n_units)) if groups is not None else min(5, n_units)
    splits = _splits(cv, n_recordings, y, groups, caller)
    rows = []
    for fold, (train, test) in enumerate(splits):
        X_train, y_train = _take(X, train), [y[i] for i in train]
        X_test, y_test = _take(X, test), [y[i] for i in test]
        for name, estimator in estimators.items():
            try:
                scores, _ = fit_and_score(
                    clone(estimator), X_train, y_train, X_test, y_test, background=background
                )
            except (ValueError, TypeError, RuntimeError) as exc:
                # the same error, naming the model and the fold; the original is chained
                reraise_as(exc, f"{caller}: model {name!r}, fold {fold}: {exc}")
            except Exception as exc:  # other types keep their attributes (errno, key): a note
                if hasattr(exc, "add_note"):  # Python >= 3.11
                    exc.add_note(f"raised by {caller}: model {name!r}, fold {fold}")
                raise
            row = {"model": name, "fold": fold, **scores}
            rows.append(row)
            if verbose:
                print(
                    f"[fold {fold}] {name}: F1@50={row['f1@50']:.3f} edit={row['edit']:.3f} "
                    f"acc={row['accuracy']:.3f} fit {row['fit_time']:.1f}s",
                    flush=True,
                )
    return pd.DataFrame(rows)


def _take(X, idx):
    """The recordings ``idx`` of ``X`` by position, as ``cross_validate`` takes them (a pandas
    Series is not read by its index), in the form of ``X``: of an sktime ``pd-multiindex``
    panel, whose rows are time points, the rows of those instances."""
    if is_multiindex_panel(X):
        return X.loc[X.index.get_level_values(0).unique()[idx]]
    return _safe_indexing(X, idx)


def _splits(cv, n_recordings, y, groups, caller):
    """The (train, test) index arrays of ``cv`` over ``n_recordings``, every index checked."""
    try:
        if groups is not None and isinstance(cv, numbers.Integral) and not isinstance(cv, bool):
            splitter = GroupKFold(n_splits=int(cv))  # with groups, by subject as the default
        else:
            splitter = check_cv(cv)
        positions = np.arange(n_recordings)
        splits = [
            (np.asarray(tr), np.asarray(te)) for tr, te in splitter.split(positions, y, groups)
        ]
    except (ValueError, TypeError) as exc:
        reraise_as(
            exc,
            f"{caller}: cv={cv!r} could not split the {n_recordings} recordings: {exc} (recordings "
            "are split as a whole: use GroupKFold with groups, or KFold; a stratified "
            "splitter cannot stratify label sequences)",
        )
    if not splits:
        raise ValueError(f"{caller}: cv={cv!r} gave no split.")
    for fold, (train, test) in enumerate(splits):
        for part, idx in (("train", train), ("test", test)):
            if not idx.size:
                raise ValueError(f"{caller}: cv split {fold} has no {part} recording.")
            if (
                idx.dtype.kind not in "iu"
                or idx.ndim != 1
                or not (-n_recordings <= idx.min() and idx.max() < n_recordings)
            ):
                raise ValueError(
                    f"{caller}: cv split {fold} has {part} indices {idx.tolist()[:10]} that are "
                    f"not positions of the {n_recordings} recordings of X."
                )
    return splits


def summarize_evaluation(results):
    """Mean ± std over folds of :func:`evaluate_segmenters` results, one row per model.

    Parameters
    ----------
    results : pandas.DataFrame
        Output of :func:`evaluate_segmenters`: needs the columns ``model``, ``accuracy``,
        ``edit``, ``f1@10``, ``f1@25``, ``f1@50``, ``n_parameters``, ``fit_time`` and
        ``frames_per_second``.

    Returns
    -------
    table : pandas.DataFrame
        Scores ×100 as ``"mean ± std"`` strings (a single fold shows the value alone; the
        std is the population one, ``ddof=0``, as in scikit-learn's ``cv_results_``), the
        parameter count (``"min-max"`` when the folds' networks differ, for example in
        the classes their training recordings hold), the mean fit time (s) and prediction
        speed (frames/s).

    Raises
    ------
    ValueError
        If ``results`` lacks one of the columns above.
    """
    needed = ["model", *_SCORES, "n_parameters", "fit_time", "frames_per_second"]
    columns = getattr(results, "columns", None)
    if columns is None:
        raise TypeError(
            "summarize_evaluation: 'results' must be a pandas DataFrame returned by "
            f"evaluate_segmenters. Got {type(results).__name__} instead."
        )
    missing = [c for c in needed if c not in columns]
    if missing:
        raise ValueError(
            "summarize_evaluation: 'results' must be a table of evaluate_segmenters; it "
            f"lacks the columns {missing}. Got the columns {list(columns)} instead."
        )
    out = {}
    for model, df in results.groupby("model", sort=False, dropna=False):
        row = {}
        for k in _SCORES:
            vals = 100 * df[k].to_numpy(dtype=float)
            row[k] = f"{vals.mean():.1f}" + (f" ± {vals.std():.1f}" if len(vals) > 1 else "")
        counts = sorted({int(n) for n in df["n_parameters"] if n is not None and not pd.isna(n)})
        ends = dict.fromkeys(counts[:1] + counts[-1:])  # min and max, once if they are equal
        row["params"] = "-".join(f"{n:,}" for n in ends) or "-"
        row["fit_s"] = f"{df['fit_time'].mean():.1f}"
        row["frames/s"] = f"{df['frames_per_second'].mean():,.0f}"
        out[model] = row
    return pd.DataFrame.from_dict(out, orient="index")
