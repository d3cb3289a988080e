"""Parameters as notebooks pass them: numpy integers, bools, set_params after fit, devices."""

import warnings

import numpy as np
import pytest
import torch
from sklearn.model_selection import GridSearchCV, GroupKFold
from sklearn.utils._param_validation import InvalidParameterError

from stgraph_sklearn.data import SensorGraph
from stgraph_sklearn.estimators import AdaptiveGraphSegmenter, MSTCNSegmenter, STGCNSegmenter
from stgraph_sklearn.io import load_model, save_model
from stgraph_sklearn.utils import check_device

TINY = {"hidden_channels": 8, "n_layers": 2, "n_stages": 2, "max_epochs": 1, "random_state": 0}


def test_numpy_integer_batch_size_trains_in_a_grid_search(toy):
    """Check that batch_size from np.arange (numpy integers) reaches torch as an int: it
    passed validation and then failed inside torch's sampler."""
    X, y = toy
    search = GridSearchCV(MSTCNSegmenter(**TINY), {"batch_size": np.arange(1, 3)}, cv=GroupKFold(2))
    search.fit(X, y, groups=np.arange(len(X)) % 2)
    assert search.best_params_["batch_size"] in (1, 2)


@pytest.mark.parametrize(
    ("cls", "name"),
    [
        (MSTCNSegmenter, "lookahead"),
        (MSTCNSegmenter, "batch_size"),
        (MSTCNSegmenter, "max_epochs"),
        (AdaptiveGraphSegmenter, "hidden_channels"),
        (AdaptiveGraphSegmenter, "n_spatial_layers"),
    ],
)
def test_a_bool_is_not_a_number(toy, cls, name):
    """Check that True for a numeric parameter is refused by name (it passed scikit-learn's
    Interval, then failed inside numpy or a submodule, or was taken as 1)."""
    X, y = toy
    with pytest.raises(InvalidParameterError, match=rf"'{name}' parameter of {cls.__name__} "):
        cls(**{**TINY, name: True}).fit(X, y)
    MSTCNSegmenter(**TINY, verbose=False).fit(X[:2], y[:2])  # verbose takes bools


def test_warm_start_refuses_an_architecture_changed_after_fit(toy):
    """Check that warm_start and partial_fit refuse parameters that no longer build the
    fitted network (training went on with the old one, silently), and continue when only
    training parameters changed."""
    X, y = toy
    seg = MSTCNSegmenter(**TINY, warm_start=True).fit(X, y)
    seg.set_params(hidden_channels=16)
    with pytest.raises(ValueError, match=r"fit with warm_start=True: .*hidden_channels=8 -> 16"):
        seg.fit(X, y)
    with pytest.raises(ValueError, match=r"MSTCNSegmenter\.partial_fit: the parameters no"):
        seg.partial_fit(X, y)
    seg.set_params(hidden_channels=8, lr=1e-3)
    assert len(seg.fit(X, y).history_) == 2


@pytest.mark.parametrize(
    ("cls", "name"), [(STGCNSegmenter, "graph"), (AdaptiveGraphSegmenter, "prior_graph")]
)
def test_a_given_sensor_graph_continues_training_and_saves(toy, tmp_path, cls, name):
    """Check that a segmenter given its graph as a SensorGraph can continue training and be
    saved: the network rebuilt without the data (to compare it with the fitted one, and in
    load_model) failed with an AttributeError from inside resolve_graph."""
    X, y = toy
    nodes = [f"x:{i}" for i in range(X[0].shape[1])]
    chain = SensorGraph([[0, 1, 1, 2, 2, 3], [1, 0, 2, 1, 3, 2]], node_names=nodes)
    seg = cls(**TINY, warm_start=True, **{name: chain}).fit(X, y)
    assert len(seg.fit(X, y).partial_fit(X, y).history_) == 3
    save_model(seg, tmp_path / "m.stgm")
    np.testing.assert_array_equal(
        load_model(tmp_path / "m.stgm").predict(X[:1])[0], seg.predict(X[:1])[0]
    )


@pytest.mark.parametrize("name", ["stage_stride", "refinement_stride"])
def test_a_stride_changed_after_fit_is_an_architecture_change(toy, tmp_path, name):
    """Check that warm_start, partial_fit and save_model refuse a stride set after fit, as
    any other parameter that builds another network: they went on with the fitted stride
    while get_params described another model."""
    X, y = toy
    seg = AdaptiveGraphSegmenter(**TINY, warm_start=True).fit(X, y)
    seg.set_params(**{name: 2})
    for call in (lambda: seg.fit(X, y), lambda: seg.partial_fit(X, y)):
        with pytest.raises(ValueError, match=rf"no longer describe .*{name}=1 -> 2"):
            call()
    with pytest.raises(ValueError, match=rf"save_model: .*{name}=1 -> 2"):
        save_model(seg, tmp_path / "m.stgm")
    seg.set_params(**{name: "auto"})  # "auto" resolved to 1 in fit: the fitted network
    assert len(seg.fit(X, y).history_) == 2


def test_save_model_refuses_parameters_that_no_longer_build_the_network(toy, tmp_path):
    """Check that a model file is written only when the parameters still describe the
    fitted network: load_model rebuilds it from them, and failed with a message blaming
    versions (or, for a causal change, would load other computations on the same weights)."""
    X, y = toy
    seg = AdaptiveGraphSegmenter(**TINY).fit(X, y)
    seg.set_params(n_layers=3)
    with pytest.raises(
        ValueError,
        match=r"save_model: the parameters of this AdaptiveGraphSegmenter no longer .*n_layers=2 -> 3",
    ):
        save_model(seg, tmp_path / "m.stgm")
    seg.set_params(n_layers=2, device="cpu", chunk_size=64)  # not the network: fine
    save_model(seg, tmp_path / "m.stgm")
    np.testing.assert_array_equal(
        load_model(tmp_path / "m.stgm").predict(X[:1])[0], seg.predict(X[:1])[0]
    )


def test_devices_this_machine_cannot_use_are_clear_errors(toy, tmp_path):
    """Check that a device type this torch build lacks, and load_model's device, get the
    fit's clear error instead of torch's RuntimeError or AssertionError."""
    if torch.backends.mps.is_available():  # pragma: no cover - Apple machines
        pytest.skip("this machine has MPS")
    with pytest.raises(ValueError, match=r"MSTCNSegmenter: device='mps' cannot be used on this"):
        check_device("mps", "MSTCNSegmenter")
    X, y = toy
    save_model(MSTCNSegmenter(**TINY).fit(X[:2], y[:2]), tmp_path / "m.stgm")
    with pytest.raises(ValueError, match=r"'device' parameter of load_model must be a torch"):
        load_model(tmp_path / "m.stgm", device="gpu")
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match=r"load_model: device='cuda' was requested but"):
            load_model(tmp_path / "m.stgm", device="cuda")


def test_callbacks_monitoring_validation_without_a_validation_set_are_refused(toy):
    """Check that a callback monitoring a validation score is refused before training when
    fit holds out no recording, and that other callbacks are not warned about.

    Before, any user callback got a warning, and skorch's Checkpoint (which monitors
    valid_loss_best) then failed with a SkorchException at the end of the first epoch.
    """
    from skorch.callbacks import Checkpoint, EarlyStopping, EpochTimer

    from stgraph_sklearn.exceptions import StgraphWarning

    X, y = toy
    with warnings.catch_warnings():
        warnings.simplefilter("error", StgraphWarning)
        MSTCNSegmenter(**TINY, callbacks=[EpochTimer()], validation_fraction=0.1).fit(X[:4], y[:4])
    refused = [
        ({"callbacks": [Checkpoint(dirname="unused")]}, r"callbacks\[0\] \(Checkpoint\)"),
        (
            {"callbacks": [("ckpt", Checkpoint)]},
            r"callbacks\[0\] \(Checkpoint\) monitors 'valid_loss_best'",
        ),
        (
            {"callbacks": [EpochTimer(), EarlyStopping()], "validation_fraction": 0},
            r"callbacks\[1\] \(EarlyStopping\) monitors 'valid_loss', but validation_fraction=0",
        ),
    ]
    for params, match in refused:
        seg = MSTCNSegmenter(**{**TINY, "validation_fraction": 0.1, **params})
        with pytest.raises(ValueError, match=rf"MSTCNSegmenter: {match}"):
            seg.fit(X[:4], y[:4])
        assert not hasattr(seg, "module_")
    ok = Checkpoint(
        dirname="unused",
        monitor="train_loss_best",
        f_params=None,
        f_optimizer=None,
        f_criterion=None,
        f_history=None,
    )
    MSTCNSegmenter(**TINY, callbacks=[ok], validation_fraction=0.1).fit(X[:4], y[:4])
    MSTCNSegmenter(
        **TINY,
        callbacks=[
            Checkpoint(
                dirname="unused", f_params=None, f_optimizer=None, f_criterion=None, f_history=None
            )
        ],
        validation_fraction=0.25,
    ).fit(X[:4], y[:4])


def test_callbacks_monitoring_a_score_the_network_does_not_record_are_warned_about(toy):
    """Check that a callback monitoring a score the network does not record ("valid_acc")
    gets a warning before training, and that the recorded validation F1@50 does not.

    skorch failed with a KeyError at the end of the first epoch, with no hint of the
    scores the network does record.
    """
    from skorch.callbacks import EarlyStopping

    from stgraph_sklearn.exceptions import StgraphWarning

    X, y = toy
    seg = MSTCNSegmenter(
        **TINY, callbacks=[EarlyStopping(monitor="valid_acc")], validation_fraction=0.25
    )
    with pytest.raises(Exception, match="valid_acc"):  # skorch's own error, after the warning
        with pytest.warns(StgraphWarning, match=r"monitors 'valid_acc', which the network "):
            seg.fit(X[:4], y[:4])
    f1 = EarlyStopping(monitor="valid_f1@50", lower_is_better=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error", StgraphWarning)
        MSTCNSegmenter(**TINY, callbacks=[f1], validation_fraction=0.25).fit(X[:4], y[:4])
