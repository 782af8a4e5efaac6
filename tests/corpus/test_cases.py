"""The corpus as shipped: every scenario says what it reproduces, and the taxonomy is covered."""

from __future__ import annotations

from harness.corpus import discover, load_case
from tests.conftest import REPO

ROOT = REPO / "scenarios"
CASES = [load_case(d, ROOT) for d in discover(ROOT)]


def test_every_scenario_states_its_category_source_and_exact_findings():
    every = [d for d in discover(ROOT, corpus_only=False) if "evasion" not in d.parts]
    assert every == [case.directory for case in CASES]  # evasion cases run with their own arguments
    for case in CASES:
        assert case.category and case.source and case.findings is not None, case.label


def test_each_of_the_twelve_categories_has_an_attack_and_both_sdks_are_represented():
    attacks = {case.category for case in CASES if case.role == "attack"}
    assert attacks == {f"A{n}" for n in range(1, 13)}
    runtimes = {(d / "package.json").is_file() for d in discover(ROOT)}
    assert runtimes == {True, False}


def test_every_named_twin_is_an_honest_scenario_of_the_same_category():
    by_dir = {case.directory: case for case in CASES}
    twinned = [case for case in CASES if case.twin is not None]
    assert twinned
    for case in twinned:
        twin = by_dir[case.twin]
        assert (twin.role, twin.findings, twin.category) == ("honest", (), case.category), case.label


def test_the_postmark_release_pair_declares_the_drift_compare_must_show():
    [drifting] = [case for case in CASES if case.drift_from is not None]
    assert drifting.label == "postmark/malicious" and drifting.drift_from == ROOT / "postmark/benign"
    assert drifting.drift == ("+ finding unexpected_recipient",)


def test_labels_are_paths_under_the_corpus_root_and_node_modules_are_not_scenarios(tmp_path):
    (tmp_path / "a" / "node_modules" / "dep").mkdir(parents=True)
    (tmp_path / "a" / "node_modules" / "dep" / "scenario.toml").write_text("[taxonomy]\n")
    (tmp_path / "a" / "scenario.toml").write_text("[taxonomy]\n")
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "scenario.toml").write_text("[server]\n")  # a server tests start themselves
    assert discover(tmp_path) == [tmp_path / "a"]
    assert discover(tmp_path, corpus_only=False) == [tmp_path / "a", tmp_path / "b"]
    assert {case.label for case in CASES} >= {"postmark/benign", "tool-poisoning"}
