"""The stgraph-seg command line."""

import io

import pandas as pd
import pytest

from stgraph_sklearn.cli import main, run_demo


def test_demo_trains_prints_a_table_and_writes_plots(tmp_path):
    stream = io.StringIO()
    table = run_demo(
        out=tmp_path, stream=stream, n_recordings=5, duration=12.0, max_epochs=1, random_state=0
    )
    assert list(table.index) == [
        "AdaptiveGraphSegmenter",
        "MSTCNSegmenter",
        "FrameClassifierSegmenter",
    ]
    assert {"Acc", "Edit", "F1@10", "F1@25", "F1@50", "params", "train_s"} <= set(table.columns)
    assert ((table["Acc"] >= 0) & (table["Acc"] <= 100)).all()
    printed = stream.getvalue()
    assert "Held-out subject" in printed and "AdaptiveGraphSegmenter" in printed
    saved = pd.read_csv(tmp_path / "scores.csv", index_col=0)
    assert list(saved.index) == list(table.index)
    # parameter counts are numbers in the file (they were "1,234" text), none for the frame
    # classifier; the screen shows them with thousands separators
    assert saved["params"].dtype.kind in "if"
    assert saved.loc["MSTCNSegmenter", "params"] > saved.loc["AdaptiveGraphSegmenter", "params"]
    assert pd.isna(saved.loc["FrameClassifierSegmenter", "params"])
    assert f"{int(saved.loc['MSTCNSegmenter', 'params']):,}" in printed
    assert "<NA>" not in printed
    for name in ("timeline.png", "sensor_graph.png"):
        with open(tmp_path / name, "rb") as f:
            assert f.read(8) == b"\x89PNG\r\n\x1a\n"
        assert (tmp_path / name).stat().st_size > 10_000


def test_cli_requires_a_command_and_has_help(capsys):
    with pytest.raises(SystemExit) as exc:
        main([])
    assert exc.value.code == 2
    with pytest.raises(SystemExit):
        main(["demo", "--help"])
    assert "--quick" in capsys.readouterr().out


@pytest.mark.slow
def test_quick_demo_from_the_command_line(tmp_path):
    assert main(["demo", "--quick", "--out", str(tmp_path)]) == 0
    assert (tmp_path / "timeline.png").exists()
