"""The output policy: never over an input, never over a file symbackprop did not write (without force),
atomic replacement, missing folders created and said so."""

from __future__ import annotations

import json
import sqlite3

import pytest

from symbackprop.files import (
    TEX_MARKER,
    OverwriteError,
    atomic_path,
    is_symbackprop_output,
    prepare_output,
    write_text,
)


def test_an_output_that_is_an_input_is_refused(tmp_path):
    source = tmp_path / "class.csv"
    source.write_text("id,answer\n1,x\n")
    with pytest.raises(OverwriteError, match="also an input"):
        write_text(source, "id,verdict\n", inputs=[source], force=True)
    assert source.read_text() == "id,answer\n1,x\n"


def test_a_file_symbackprop_did_not_write_is_kept_unless_forced(tmp_path):
    thesis = tmp_path / "thesis.tex"
    thesis.write_text("\\documentclass{article} my thesis")
    with pytest.raises(OverwriteError, match="--force"):
        write_text(thesis, TEX_MARKER + "\n")
    assert "my thesis" in thesis.read_text()
    write_text(thesis, TEX_MARKER + "\nnew\n", force=True)
    assert thesis.read_text().endswith("new\n")


def test_our_own_outputs_are_replaced_without_force(tmp_path):
    path = write_text(tmp_path / "a.tex", TEX_MARKER + "\none\n")
    write_text(path, TEX_MARKER + "\ntwo\n")
    assert path.read_text() == TEX_MARKER + "\ntwo\n"


def test_missing_folders_are_created_and_said_so(tmp_path, capsys):
    path = write_text(tmp_path / "new" / "deeper" / "x.tex", TEX_MARKER + "\n")
    assert path.exists()
    assert "created folder" in capsys.readouterr().err


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    path = write_text(tmp_path / "a.tex", TEX_MARKER + "\nold\n")
    with pytest.raises(RuntimeError):
        with atomic_path(path) as temporary:
            temporary.write_text("half")
            raise RuntimeError("crash while writing")
    assert path.read_text().endswith("old\n")
    assert [p.name for p in tmp_path.iterdir()] == ["a.tex"]


def test_outputs_are_recognised_by_their_content(tmp_path):
    csv_path = tmp_path / "results.csv"
    csv_path.write_text("id,verdict\n1,correct\n")
    assert is_symbackprop_output(csv_path, csv_header=["id", "verdict"])
    assert not is_symbackprop_output(csv_path, csv_header=["id", "answer"])
    assert not is_symbackprop_output(csv_path)

    ours, theirs = tmp_path / "ours.json", tmp_path / "theirs.json"
    ours.write_text(json.dumps({"generator": "symbackprop 0.1.0", "students": {}}))
    theirs.write_text(json.dumps({"students": {}}))
    assert is_symbackprop_output(ours) and not is_symbackprop_output(theirs)

    database = tmp_path / "checks.sqlite"
    connection = sqlite3.connect(database)
    connection.execute("CREATE TABLE symbackprop_meta (key TEXT, value TEXT)")
    connection.commit()
    connection.close()
    assert is_symbackprop_output(database)
    (tmp_path / "other.sqlite").write_bytes(b"not a database")
    assert not is_symbackprop_output(tmp_path / "other.sqlite")


def test_plots_carry_the_marker_in_their_metadata(tmp_path):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from symbackprop.files import PNG_SOFTWARE

    figure = Figure()
    FigureCanvasAgg(figure)
    figure.add_subplot(1, 1, 1).plot([0, 1], [0, 1])
    ours, theirs = tmp_path / "ours.png", tmp_path / "theirs.png"
    figure.savefig(ours, metadata={"Software": PNG_SOFTWARE})
    figure.savefig(theirs)
    assert is_symbackprop_output(ours) and not is_symbackprop_output(theirs)


def test_a_folder_is_not_a_file_to_write(tmp_path):
    with pytest.raises(OverwriteError, match="is a folder"):
        prepare_output(tmp_path)


def test_written_files_get_the_usual_permissions_not_the_temporary_files_private_ones(tmp_path):
    import os
    import stat

    mask = os.umask(0o022)
    os.umask(mask)
    path = write_text(tmp_path / "a.tex", TEX_MARKER + "\n")
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~mask
    os.chmod(path, 0o640)
    write_text(path, TEX_MARKER + "\nagain\n")  # a replaced file keeps its mode
    assert stat.S_IMODE(path.stat().st_mode) == 0o640


@pytest.mark.parametrize(
    "content",
    [
        "[" * 200_000 + "]" * 200_000,  # json.load raised RecursionError here: a traceback instead of a refusal
        '{"generator": "mine", "generator": "symbackprop 0.1.0"}',  # json.load kept the last value and took it for ours
        '{"generator": "symbackprop 0.1.0", "score": NaN}',
    ],
)
def test_a_json_that_is_not_strict_json_is_not_taken_for_an_output(tmp_path, content):
    path = tmp_path / "results.json"
    path.write_text(content)
    assert not is_symbackprop_output(path)
    with pytest.raises(OverwriteError, match="not written by symbackprop"):
        write_text(path, "{}\n", inputs=[])
    assert path.read_text() == content


def test_a_json_too_large_to_be_ours_is_not_read(tmp_path):
    path = tmp_path / "huge.json"
    with open(path, "wb") as handle:
        handle.truncate(300 * 1024 * 1024)  # sparse: its size is known without a byte being read
    assert not is_symbackprop_output(path)
