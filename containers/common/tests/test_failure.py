import pytest

from experiment_pr_steps.failure import StepFailure, failure_report, truncate_utf8, write_failure


def test_failure_file_in_output_dir(tmp_path, capsys):
    write_failure("Preprocess failed: 3 of 4", tmp_path / "out", tmp_path / "missing" / "output" / "message")

    assert (tmp_path / "out" / "failure").read_text() == "Preprocess failed: 3 of 4\n"
    assert "ERROR: Preprocess failed: 3 of 4" in capsys.readouterr().err


def test_failure_sagemaker_file_cut_to_1_kb(tmp_path):
    (tmp_path / "opt-ml").mkdir()
    message_file = tmp_path / "opt-ml" / "output" / "message"

    write_failure("é" * 1000, None, message_file)

    written = message_file.read_bytes()
    assert len(written) == 1024
    assert written.decode("utf-8") == "é" * 512


def test_failure_sagemaker_file_skipped_outside_container(tmp_path):
    message_file = tmp_path / "opt-ml" / "output" / "message"

    write_failure("reason", None, message_file)

    assert not (tmp_path / "opt-ml").exists()


def test_truncate_utf8_keeps_whole_characters():
    assert truncate_utf8("aé", 2) == "a"


def test_failure_report_exits_1_with_reason(tmp_path):
    with pytest.raises(SystemExit) as exit_info:
        with failure_report(tmp_path, tmp_path / "none" / "output" / "message"):
            raise StepFailure("the rule dropped_duplicate dropped 9")

    assert exit_info.value.code == 1
    assert (tmp_path / "failure").read_text() == "the rule dropped_duplicate dropped 9\n"


def test_failure_report_names_unexpected_error(tmp_path):
    with pytest.raises(SystemExit):
        with failure_report(tmp_path, tmp_path / "none" / "output" / "message"):
            raise KeyError("instruction")

    assert (tmp_path / "failure").read_text() == "KeyError: 'instruction'\n"
