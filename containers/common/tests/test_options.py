import argparse

import pytest

from experiment_pr_steps.options import add_common_options, common_options

SHA = "0123456789ABCDEF0123456789abcdef01234567"


def parse(argv):
    parser = argparse.ArgumentParser()
    add_common_options(parser)
    return common_options(parser.parse_args(argv))


def test_options_kebab_case():
    options = parse(["--tracking-uri", "http://127.0.0.1:5000", "--parent-run-id", "p1",
                     "--commit-sha", SHA, "--experiment-file", "experiments/a.json"])

    assert options.tracking_uri == "http://127.0.0.1:5000"
    assert options.parent_run_id == "p1"
    assert options.commit_sha == SHA.lower()
    assert options.experiment_file == "experiments/a.json"


def test_options_snake_case_as_training_toolkit_passes():
    options = parse(["--tracking_uri", "http://127.0.0.1:5000", "--parent_run_id", "p1",
                     "--commit_sha", SHA, "--experiment_file", "experiments/a.json"])

    assert options.parent_run_id == "p1"


@pytest.mark.parametrize("sha", ["abc123", "g" * 40, "a" * 41, ""])
def test_options_invalid_commit_sha(sha):
    with pytest.raises(ValueError, match="invalid --commit-sha"):
        parse(["--tracking-uri", "u", "--parent-run-id", "p", "--commit-sha", sha, "--experiment-file", "f"])


def test_options_blank_parent_run_id():
    with pytest.raises(ValueError, match="missing --parent-run-id"):
        parse(["--tracking-uri", "u", "--parent-run-id", " ", "--commit-sha", SHA, "--experiment-file", "f"])
