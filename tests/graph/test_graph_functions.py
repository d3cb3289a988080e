"""Tests of the functional graph core (stgraph_sklearn.graph)."""

import numpy as np
import pytest

from stgraph_sklearn.data import SensorGraph
from stgraph_sklearn.graph import (
    add_self_loops,
    correlation_graph,
    from_edges,
    fully_connected,
    knn_graph,
    modality_graph,
    normalized_adjacency,
    pooled_correlation,
)

NAMES = ["accel:knife", "accel:board", "accel:bowl", "video"]


def test_fully_connected():
    """Check that every ordered pair of distinct nodes is an edge of weight 1."""
    g = fully_connected(NAMES)
    assert isinstance(g, SensorGraph)
    assert g.n_edges == 12
    np.testing.assert_array_equal(g.to_dense(), 1 - np.eye(4))
    assert g.node_modality == ("accel", "accel", "accel", "video")
    np.testing.assert_array_equal(
        fully_connected(NAMES, self_loops=True).to_dense(), np.ones((4, 4))
    )


def test_fully_connected_node_modality_and_bad_names():
    g = fully_connected(["a", "b"], node_modality=["m", "n"])
    assert g.node_modality == ("m", "n")
    with pytest.raises(ValueError, match="unique"):
        fully_connected(["a", "a"])
    with pytest.raises(ValueError, match="node_modality"):
        fully_connected(["a", "b"], node_modality=["m"])


def test_from_edges_symmetric_and_directed():
    """Check the A[target, source] convention and the symmetric option."""
    g = from_edges([("accel:knife", "accel:board")], NAMES, symmetric=False)
    adj = g.to_dense()
    assert adj[1, 0] == 1 and adj[0, 1] == 0
    adj = from_edges([("accel:knife", "accel:board")], NAMES).to_dense()
    assert adj[1, 0] == 1 and adj[0, 1] == 1 and adj.sum() == 2


def test_from_edges_weights_duplicates_self_loops():
    pairs = [("accel:knife", "video"), ("video", "accel:knife"), ("accel:bowl", "accel:bowl")]
    adj = from_edges(pairs, NAMES, weights=[0.5, 2.0, 3.0], self_loops=True).to_dense()
    assert adj[3, 0] == 2.0 and adj[0, 3] == 2.0  # duplicates keep the largest weight
    assert adj[2, 2] == 3.0  # an existing loop keeps its weight
    assert adj[0, 0] == adj[1, 1] == adj[3, 3] == 1.0


def test_from_edges_unknown_name_lists_valid_names():
    with pytest.raises(ValueError, match=r"unknown target node 'accel:spoon'.*accel:knife"):
        from_edges([("accel:knife", "accel:spoon")], NAMES)
    with pytest.raises(ValueError, match="pair"):
        from_edges([("accel:knife",)], NAMES)
    with pytest.raises(TypeError, match="node names"):
        from_edges([(0, 1)], NAMES)
    with pytest.raises(ValueError, match="weights"):
        from_edges([("accel:knife", "video")], NAMES, weights=[-1.0])


def test_modality_graph_star():
    """Check within-modality cliques and one averaged neighbour per other modality."""
    g = modality_graph(NAMES, ["accel"] * 3 + ["video"])
    adj = g.to_dense()
    np.testing.assert_allclose(adj[:3, :3], 1 - np.eye(3))
    np.testing.assert_allclose(adj[:3, 3], 1.0)  # the video hub reaches every accelerometer
    np.testing.assert_allclose(adj[3, :3], 1 / 3)  # accel as one neighbour of total weight 1
    assert adj[3, 3] == 0
    adj = modality_graph(NAMES, ["accel"] * 3 + ["video"], cross_weight=0.0).to_dense()
    assert adj[:3, 3].sum() == 0 and adj[3].sum() == 0


def test_normalized_adjacency_row_and_sym():
    adj = np.array([[0.0, 2.0, 0.0], [2.0, 0.0, 1.0], [0.0, 1.0, 0.0]])
    row = normalized_adjacency(adj, kind="row")
    np.testing.assert_allclose(row.sum(axis=1), 1.0)
    np.testing.assert_allclose(row[0], [1 / 3, 2 / 3, 0])
    sym = normalized_adjacency(adj, kind="sym")
    a_hat = adj + np.eye(3)
    d = a_hat.sum(axis=1)
    np.testing.assert_allclose(sym, a_hat / np.sqrt(np.outer(d, d)))
    np.testing.assert_allclose(sym, sym.T)
    no_loop = normalized_adjacency(np.zeros((2, 2)), kind="row", self_loops=False)
    np.testing.assert_array_equal(no_loop, np.eye(2))
    with pytest.raises(ValueError, match="kind"):
        normalized_adjacency(adj, kind="col")
    with pytest.raises(ValueError, match="square"):
        normalized_adjacency(np.ones((2, 3)))


def test_normalization_does_not_modify_input():
    adj = np.array([[0.0, 1.0], [1.0, 0.0]])
    before = adj.copy()
    normalized_adjacency(adj)
    add_self_loops(adj)
    np.testing.assert_array_equal(adj, before)


def test_add_self_loops_graph_and_array():
    g = fully_connected(["a", "b"])
    g2 = add_self_loops(g, weight=0.5)
    assert isinstance(g2, SensorGraph)
    np.testing.assert_allclose(g2.to_dense(), [[0.5, 1], [1, 0.5]])
    assert g.n_edges == 2  # the input graph is unchanged
    np.testing.assert_allclose(add_self_loops([[2.0, 0.0], [0.0, 0.0]]), [[2, 0], [0, 1]])


def _activity(rng, n=300):
    base = rng.normal(size=(n, 2))
    return np.column_stack(
        [
            base[:, 0],
            base[:, 0] + 0.3 * rng.normal(size=n),
            -base[:, 0] + 0.3 * rng.normal(size=n),
            base[:, 1],
        ]
    )


def test_pooled_correlation_matches_pearson():
    rng = np.random.default_rng(0)
    act = _activity(rng)
    np.testing.assert_allclose(pooled_correlation(act), np.corrcoef(act.T), atol=1e-10)


def test_pooled_correlation_nan_aware_and_pooled():
    """Check pairwise-complete NaN handling, and that recording levels do not create correlation."""
    rng = np.random.default_rng(1)
    act = _activity(rng)
    holed = act.copy()
    holed[:50, 1] = np.nan
    corr = pooled_correlation(holed)
    expected = np.corrcoef(act[50:, 0], act[50:, 1])[0, 1]
    np.testing.assert_allclose(corr[0, 1], expected, atol=1e-10)
    # two recordings of independent noise at very different levels: within-recording centring
    a = rng.normal(size=(200, 2))
    b = rng.normal(size=(200, 2)) + 100.0
    assert abs(pooled_correlation([a, b])[0, 1]) < 0.2
    # never-observed and constant nodes are undefined
    act[:, 3] = np.nan
    act[:, 2] = 1.0
    corr = pooled_correlation(act)
    assert np.isnan(corr[3]).all() and np.isnan(corr[2]).all()


def test_correlation_graph_top_k_and_symmetric():
    rng = np.random.default_rng(2)
    act = _activity(rng)
    g = correlation_graph(act, 1, node_names=NAMES, symmetric=False)
    adj = g.to_dense()
    assert (adj > 0).sum(axis=1).tolist() == [1, 1, 1, 1]
    assert adj[2, 0] > 0.9  # anti-correlated: ranked by |r|
    gs = correlation_graph(act, 1, node_names=NAMES)
    dense = gs.to_dense()
    np.testing.assert_allclose(dense, dense.T)
    signed = correlation_graph(act, 1, node_names=NAMES, absolute=False, symmetric=False).to_dense()
    assert signed[2, 0] == 0  # negative correlations are not edges when absolute=False
    assert (signed >= 0).all()


def test_correlation_graph_list_and_isolated_nodes():
    rng = np.random.default_rng(3)
    acts = [_activity(rng), _activity(rng)]
    acts[0][:, 3] = np.nan
    acts[1][:, 3] = np.nan
    adj = correlation_graph(acts, 2, node_names=NAMES).to_dense()
    assert adj[3].sum() == 0 and adj[:, 3].sum() == 0


def test_correlation_graph_bad_k_and_shapes():
    act = _activity(np.random.default_rng(4))
    with pytest.raises(
        ValueError, match=r"'k' parameter of correlation_graph .*\[1, n_nodes - 1\]"
    ):
        correlation_graph(act, 4, node_names=NAMES)
    with pytest.raises(ValueError, match="one name per node"):
        correlation_graph(act, 1, node_names=NAMES[:3])
    with pytest.raises(ValueError, match="nodes"):
        correlation_graph([act, act[:, :3]], 1, node_names=NAMES)


def test_knn_graph():
    feats = np.array([[0.0, 0.0], [0.1, 0.0], [5.0, 5.0], [5.2, 5.0], [np.nan, 1.0]])
    names = list("abcde")
    adj = knn_graph(feats, 1, node_names=names, symmetric=False).to_dense()
    assert adj[0, 1] == 1 and adj[1, 0] == 1 and adj[2, 3] == 1 and adj[3, 2] == 1
    assert adj[4].sum() == 0 and adj[:, 4].sum() == 0  # NaN descriptor: isolated
    adj = knn_graph(feats, 2, node_names=names, metric="cityblock").to_dense()
    np.testing.assert_array_equal(adj, adj.T)
    with pytest.raises(ValueError, match="'k' parameter of knn_graph"):
        knn_graph(feats, 5, node_names=names)


@pytest.mark.parametrize("kind", ["row", "sym"])
def test_isolated_node_gets_the_identity_row(kind):
    """Check that a node without incoming edge keeps itself (the one zero-row convention)."""
    adj = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 2.0, 0.0]]).T  # node 2 receives nothing
    out = normalized_adjacency(adj, kind=kind, self_loops=False)
    np.testing.assert_array_equal(out[2], [0.0, 0.0, 1.0])


def test_row_normalisation_agrees_with_nn():
    """Check that graph.normalized_adjacency(kind="row") and nn.row_normalize agree, zero rows
    included, so the package has one row-normalisation convention."""
    torch = pytest.importorskip("torch")
    from stgraph_sklearn.nn._adjacency import row_normalize

    rng = np.random.default_rng(0)
    adj = rng.uniform(size=(6, 6)) * (rng.uniform(size=(6, 6)) < 0.4)
    adj[[1, 4]] = 0.0  # two nodes without incoming edges
    ours = normalized_adjacency(adj, kind="row", self_loops=False)
    theirs = row_normalize(torch.as_tensor(adj)).numpy()
    np.testing.assert_allclose(ours, theirs, atol=1e-12)
