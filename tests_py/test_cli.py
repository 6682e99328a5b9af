"""The CLI turns bad input into a clear message and exit code 2, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from custseg.cli import main


def test_load_without_files_names_the_missing_table(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["load", "--data", str(tmp_path / "nothing")]) == 2
    assert "no Parquet files for raw table 'crm_accounts'" in capsys.readouterr().err


def test_load_rejects_an_unknown_target(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["load", "--target", "oracle", "--data", str(tmp_path)]) == 2
    assert "no loader for target 'oracle'" in capsys.readouterr().err


def test_generate_rejects_a_bad_scale(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["generate", "--scale", "lots", "--out", str(tmp_path), "--no-progress"]) == 2
    assert "lots" in capsys.readouterr().err
