"""`cogrant assign` through the installed command: a solved instance, and bad instance files refused."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

COGRANT = str(Path(sys.executable).parent / "cogrant")

EXAMPLE = {
    "applications": [
        {"id": "A1", "organisation": "Riverside Trust", "co_applicants": ["S2"]},
        {"id": "A2", "organisation": "North Clinic"},
    ],
    "reviewers": [
        {"id": "L1", "type": "lived_experience", "max_load": 2},
        {"id": "L2", "type": "lived_experience", "organisation": "north  clinic", "max_load": 2},
        {"id": "L3", "type": "lived_experience", "max_load": 2},
        {"id": "S1", "type": "scientist", "max_load": 2},
        {"id": "S2", "type": "scientist", "max_load": 2},
        {"id": "S3", "type": "scientist", "min_load": 1, "max_load": 2},
    ],
    "panel": {"lived_experience": 2, "scientist": 2},
    "conflicts": [{"application": "A2", "reviewer": "S1"}],
    "affinities": [
        {"application": "A1", "reviewer": "L1", "value": 0.9},
        {"application": "A1", "reviewer": "S1", "value": 0.7},
        {"application": "A2", "reviewer": "L3", "value": 0.4},
    ],
}


def run_assign(tmp_path: Path, instance: object | str) -> tuple[subprocess.CompletedProcess, Path]:
    source = tmp_path / "instance.json"
    source.write_text(instance if isinstance(instance, str) else json.dumps(instance), encoding="utf-8")
    out = tmp_path / "result.json"
    done = subprocess.run(
        [COGRANT, "assign", str(source), "--out", str(out)], capture_output=True, text=True, timeout=120
    )
    return done, out


def test_the_readme_example_is_solved_and_written(tmp_path: Path) -> None:
    done, out = run_assign(tmp_path, EXAMPLE)
    assert done.returncode == 0, done.stderr
    assert "8 assignments, total affinity 2.0, 0 shortfalls" in done.stdout
    result = json.loads(out.read_text())
    pairs = {(a["application"], a["reviewer"]) for a in result["assignments"]}
    # L2 shares A2's organisation, S2 is named on A1, S1 declared a conflict with A2.
    assert pairs == {
        ("A1", "L1"), ("A1", "L2"), ("A1", "S1"), ("A1", "S3"),
        ("A2", "L1"), ("A2", "L3"), ("A2", "S2"), ("A2", "S3"),
    }  # fmt: skip
    assert result["total_affinity"] == 2.0
    assert result["applications"] == [
        {"id": "A1", "panel_affinity": 1.6},
        {"id": "A2", "panel_affinity": 0.4},
    ]
    assert result["weakest_application_affinity"] == 0.4 and result["weakest_proven_best"] is True
    assert result["shortfalls"] == [] and result["underloaded_reviewers"] == []


def test_shortfalls_pins_and_removals_are_replayed(tmp_path: Path) -> None:
    instance = json.loads(json.dumps(EXAMPLE))
    instance["pinned"] = [{"application": "A2", "reviewer": "L2"}, {"application": "A2", "reviewer": "L3"}]
    instance["removed"] = [{"application": "A1", "reviewer": "S3"}]
    done, out = run_assign(tmp_path, instance)
    assert done.returncode == 0, done.stderr
    result = json.loads(out.read_text())
    assert result["dropped_pins"] == [
        {"application": "A2", "reviewer": "L2", "reason": "conflict of interest (same organisation)"}
    ]
    assert {
        "application": "A2",
        "reviewer": "L3",
        "type": "lived_experience",
        "affinity": 0.4,
        "pinned": True,
    } in (result["assignments"])
    # A1 can have neither S2 (named) nor S3 (removed): one scientist short, and the reason says why.
    assert result["shortfalls"] == [
        {
            "application": "A1",
            "type": "scientist",
            "needed": 2,
            "found": 1,
            "reason": "only 1 scientist reviewer without a conflict had room left; "
            "1 has a conflict (named on the application); 1 was removed by an administrator",
        }
    ]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda i: i["reviewers"][3].update(min_load=3), "reviewers[3].max_load must be >= min_load"),
        (lambda i: i["reviewers"][0].pop("type"), "reviewers[0].type is required"),
        (lambda i: i["panel"].update(scientist=-2), "panel.scientist must be >= 0"),
        (
            lambda i: i["affinities"][1].update(reviewer="S9"),
            "affinities[1].reviewer: no reviewer with id 'S9'",
        ),
        (lambda i: i["affinities"][0].update(value="high"), "affinities[0].value must be a number"),
        (
            lambda i: i["affinities"][0].update(value=1e9),
            "affinities[0].value must be between -1e+06 and 1e+06",
        ),
        (
            lambda i: i["conflicts"][0].update(application="A7"),
            "conflicts[0].application: no application with id",
        ),
        (lambda i: i["applications"].append({"id": "A1"}), "applications[2].id 'A1' appears more than once"),
        (lambda i: i.update(panels={}), "panels is not a known field"),
    ],
)
def test_bad_instances_are_refused_naming_the_entry(tmp_path: Path, change, expected: str) -> None:
    instance = json.loads(json.dumps(EXAMPLE))
    change(instance)
    done, out = run_assign(tmp_path, instance)
    assert done.returncode == 2
    assert expected in done.stderr
    assert not out.exists()


def test_unreadable_and_malformed_files(tmp_path: Path) -> None:
    done, out = run_assign(tmp_path, '{"applications": [')
    assert done.returncode == 2 and "not valid JSON" in done.stderr and "line 1" in done.stderr
    missing = subprocess.run(
        [COGRANT, "assign", str(tmp_path / "nope.json"), "--out", str(out)], capture_output=True, text=True
    )
    assert missing.returncode == 2 and "cannot read" in missing.stderr
    assert not out.exists()
