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


def test_the_console_script_prints_each_warning_once_as_one_line(capsys, monkeypatch):
    """Check that the console script shows a warning as one line naming the command, once:
    fit reads its recordings again to score them, and a data warning was printed twice."""
    import warnings

    import stgraph_sklearn.cli as cli
    from stgraph_sklearn.exceptions import MissingSensorWarning

    def command(args):
        for _ in range(2):  # as fitting and then scoring the same recordings warn
            warnings.warn("sensor 'door'\n  is sparse", MissingSensorWarning, stacklevel=1)
        return 0

    monkeypatch.setattr(cli.sys, "argv", ["stgraph-seg", "evaluate", "--model", "m", "--data", "d"])
    monkeypatch.setattr(cli, "_cmd_evaluate", command)
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        assert cli.main() == 0
    err = capsys.readouterr().err.splitlines()
    assert err == ["stgraph-seg evaluate: MissingSensorWarning: sensor 'door' is sparse"]


@pytest.mark.parametrize(
    "setting, message",
    [
        ("max_epochs=0", "The 'max_epochs' parameter of AdaptiveGraphSegmenter must be an int"),
        ("lr=-1", "The 'lr' parameter of AdaptiveGraphSegmenter must be a float"),
        ("modalityaligner__max_gap=-1", "The 'max_gap' parameter of ModalityAligner must be"),
        ("nodefeatureextractor__windows=[0]", "The 'windows' parameter of NodeFeatureExtractor"),
        ("nodefeatureextractor__stats=['median']", "The 'stats' parameter of NodeFeatureExtract"),
        ("callbacks=[1]", "The 'callbacks' parameter of AdaptiveGraphSegmenter"),
        ("device=nonsense", "The 'device' parameter of AdaptiveGraphSegmenter must be a torch"),
    ],
)
def test_fit_checks_set_values_before_reading_the_data(tmp_path, capsys, setting, message):
    """Check that a --set value the segmenter or a step refuses ends fit with a '--set:' line
    before the data are read (here: a folder that does not exist); it was refused only after
    every recording had been read, without the '--set:' prefix."""
    missing = tmp_path / "no_such_folder"
    code = main(["fit", "--data", str(missing), "--set", setting, "--out", str(tmp_path / "m")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1
    assert len(err) == 1 and err[0].startswith(f"stgraph-seg fit: error: --set: {message}"), err
