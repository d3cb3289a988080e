"""What fit leaves behind: training parameters changed before a warm start, the node names
of aligned recordings, graphs and node orders checked by name, and a refused fit."""

import numpy as np
import pytest
from sklearn.utils.validation import check_is_fitted

from stgraph_sklearn import ModalityAligner, make_kitchen_activities
from stgraph_sklearn.data import SensorGraph
from stgraph_sklearn.estimators import (
    AdaptiveGraphSegmenter,
    FrameClassifierSegmenter,
    MSTCNSegmenter,
    STGCNSegmenter,
)
from stgraph_sklearn.io import load_model, save_model

TINY = {"hidden_channels": 8, "n_layers": 2, "n_stages": 2, "max_epochs": 1, "random_state": 0}


@pytest.fixture(scope="module")
def aligned():
    X, y, _ = make_kitchen_activities(n_recordings=2, n_subjects=1, duration=10, random_state=0)
    return ModalityAligner().fit_transform(X), y


def _optimizer_group(seg):
    group = seg.net_.optimizer_.param_groups[0]
    return group["lr"], group["weight_decay"]


@pytest.mark.parametrize("how", ["warm_start", "partial_fit"])
def test_continued_training_uses_the_training_parameters_set_after_fit(toy, how):
    """Check that a warm start or partial_fit trains with lr, weight_decay, batch_size and
    class_weight set after fit: they kept the first fit's values while get_params reported
    the new ones."""
    X, y = toy
    seg = MSTCNSegmenter(**TINY, warm_start=how == "warm_start").fit(X, y)
    state = seg.net_.optimizer_.state_dict()["state"]
    assert _optimizer_group(seg) == (seg.lr, 0.0)
    seg.set_params(lr=1e-5, weight_decay=0.1, batch_size=2, class_weight="balanced")
    seg.fit(X, y) if how == "warm_start" else seg.partial_fit(X, y)
    assert _optimizer_group(seg) == (1e-5, 0.1)
    assert seg.net_.batch_size == 2
    assert seg.net_.criterion_.class_weight is not None
    assert len(seg.history_) == 2
    assert seg.net_.optimizer_.state_dict()["state"].keys() == state.keys()  # moments kept


def test_continued_training_takes_a_new_optimizer(toy):
    """Check that an optimizer set after fit replaces the fitted one on a warm start."""
    X, y = toy
    seg = MSTCNSegmenter(**TINY, warm_start=True).fit(X, y)
    seg.set_params(optimizer="sgd", lr=0.5).fit(X, y)
    assert type(seg.net_.optimizer_).__name__ == "SGD"
    assert _optimizer_group(seg)[0] == 0.5


def test_continued_training_refuses_another_accelerator(toy):
    """Check that an accelerator set after fit is refused by name on a warm start (the
    network was prepared by the first one)."""
    accelerate = pytest.importorskip("accelerate")
    X, y = toy
    seg = MSTCNSegmenter(**TINY, warm_start=True).fit(X, y)
    seg.set_params(accelerator=accelerate.Accelerator(cpu=True))
    with pytest.raises(ValueError, match=r"MSTCNSegmenter: the 'accelerator' parameter changed"):
        seg.partial_fit(X, y)


def test_a_loaded_model_continues_with_new_training_parameters(toy, tmp_path):
    """Check that a model read from its file also takes training parameters set after
    loading when training continues."""
    X, y = toy
    save_model(MSTCNSegmenter(**TINY).fit(X, y), tmp_path / "m.stgm")
    seg = load_model(tmp_path / "m.stgm")
    seg.set_params(lr=1e-4).partial_fit(X, y)
    assert _optimizer_group(seg)[0] == 1e-4


@pytest.mark.parametrize(
    "cls", [AdaptiveGraphSegmenter, STGCNSegmenter, MSTCNSegmenter, FrameClassifierSegmenter]
)
def test_segmenters_fitted_on_aligned_recordings_keep_their_node_names(aligned, cls):
    """Check that node_names_ (and the graphs plotted from it) name the recordings' sensors:
    fitted on aligned Recordings they read 'accel:0', 'accel:1', ..."""
    A, y = aligned
    params = {} if cls is FrameClassifierSegmenter else TINY
    seg = cls(**params).fit(A, y)
    assert seg.node_names_ == A[0].node_names
    assert seg.node_names_[0] == "accel:bowl"
    if getattr(seg, "graph_", None) is not None:
        assert seg.graph_.node_names == A[0].node_names


@pytest.mark.parametrize(
    ("cls", "param"), [(STGCNSegmenter, "graph"), (AdaptiveGraphSegmenter, "prior_graph")]
)
def test_a_given_graph_must_name_the_recordings_nodes(aligned, cls, param):
    """Check that a SensorGraph whose nodes are the recordings' in reverse order, or other
    names, is refused: on Recordings it was applied by position, connecting the wrong
    sensors; arrays (default names) still take a graph by position."""
    A, y = aligned
    names = A[0].node_names
    chain = np.eye(len(names)) + np.eye(len(names), k=1) + np.eye(len(names), k=-1)
    reversed_graph = SensorGraph.from_dense(chain, node_names=names[::-1])
    with pytest.raises(ValueError, match=rf"{cls.__name__}: the given graph's nodes"):
        cls(**TINY, **{param: reversed_graph}).fit(A, y)
    other = SensorGraph.from_dense(chain, node_names=[f"n{i}" for i in range(len(names))])
    with pytest.raises(ValueError, match="do not match the input's nodes"):
        cls(**TINY, **{param: other}).fit(A, y)
    arrays = [a.modalities["accel"].values for a in A]
    accel = SensorGraph.from_dense(chain[:10, :10], node_names=names[:10][::-1])
    cls(**TINY, **{param: accel}).fit(arrays, y)
    cls(**TINY, **{param: SensorGraph.from_dense(chain, node_names=names)}).fit(A, y)


def test_predict_refuses_nodes_in_another_order(aligned):
    """Check that recordings naming their nodes in another order than in fit are refused
    (they were predicted as the nodes seen in fit), while arrays are taken by position."""
    A, y = aligned
    seg = MSTCNSegmenter(**TINY).fit(A, y)
    accel = A[0].modalities["accel"]
    order = np.arange(accel.n_nodes)[::-1]
    swapped = A[0].replace(
        modalities={
            **A[0].modalities,
            "accel": accel.replace(
                values=accel.values[:, order], node_names=[accel.node_names[i] for i in order]
            ),
        }
    )
    with pytest.raises(ValueError, match=r"X\[0\] modality 'accel' has node names"):
        seg.predict([swapped])
    assert len(seg.predict(A)[0]) == A[0].n_frames


@pytest.mark.parametrize("cls", [MSTCNSegmenter, FrameClassifierSegmenter])
def test_a_refused_fit_leaves_the_estimator_as_it_was(toy, cls):
    """Check that a fit refused while checking its input leaves no half-fitted state: an
    unfitted estimator stays unfitted (check_is_fitted passed, then predict failed on a
    missing attribute) and a fitted one keeps predicting (its classes_ were overwritten)."""
    X, y = toy
    params = {} if cls is FrameClassifierSegmenter else TINY
    one_class = [np.zeros(len(yi), dtype=int) for yi in y]
    seg = cls(**params)
    with pytest.raises(ValueError, match="at least 2 classes"):
        seg.fit(X, one_class)
    with pytest.raises(Exception, match="not fitted"):
        check_is_fitted(seg)
    seg.fit(X, y)
    before = seg.predict_proba(X)
    with pytest.raises(ValueError, match="at least 2 classes"):
        seg.fit(X, one_class)
    np.testing.assert_array_equal(seg.predict_proba(X)[0], before[0])


def test_a_bare_recording_array_gets_a_hint_to_wrap_it(toy):
    """Check that predict on one (T, N, C) array instead of [x], read as an sktime panel,
    says so and how to pass one recording (the layout error alone was puzzling)."""
    X, y = toy
    seg = MSTCNSegmenter(**TINY).fit(X, y)
    with pytest.raises(ValueError, match=r"read as an sktime panel .* pass \[x\]"):
        seg.predict(X[0])


def test_graph_builder_messages_name_its_parameters():
    """Check that SensorGraphBuilder's errors name its 'edges' parameter (they said
    'pairs'[0], from_edges' argument), a one-node graph's warning does not speak of linking
    every node, and set_output refuses an unknown setting at once."""
    from stgraph_sklearn.exceptions import StgraphWarning
    from stgraph_sklearn.transformers import FrameFeatureFlattener, SensorGraphBuilder

    X = [np.random.RandomState(0).randn(30, 3, 2)]
    with pytest.raises(ValueError, match=r"invalid 'edges' parameter: edges\[0\] names an unk"):
        SensorGraphBuilder(strategy="edges", edges=[("x:0", "x:9")]).fit(X)
    with pytest.warns(StgraphWarning, match="the single node has no other node to link to"):
        SensorGraphBuilder(strategy="correlation", k=3).fit([x[:, :1] for x in X])
    with pytest.raises(ValueError, match=r"'transform' parameter of FrameFeatureFlattener\.set_"):
        FrameFeatureFlattener().set_output(transform="bogus")
