"""The project's generic dbt tests catch what they claim to catch (and pass otherwise).

A throw-away dbt project reuses tests/generic/ from this repo, seeds a table with known
good and bad values, applies every generic test to a good and a bad column, and checks
the failure counts dbt reports."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

from conftest import BIN, run_dbt, run_results
from custseg import PROJECT_DIR

SEED = """id,score,label,grp
1,0.0,a,x
2,0.5,b,x
3,1.0,c,y
4,1.5, ,y
5,-0.1,e,y
"""

SCHEMA = """
version: 2
seeds:
  - name: cases
    config:
      column_types: {id: integer, score: double, label: varchar, grp: varchar}
    data_tests:
      - expression_is_true: {arguments: {expression: "id > 0"}, name: expr_good}
      - expression_is_true: {arguments: {expression: "score >= 0"}, name: expr_bad}
      - expression_is_true:
          arguments: {expression: "score >= 0", where_clause: "grp = 'x'"}
          name: expr_where_good
      - unique_combination_of_columns: {arguments: {combination_of_columns: [id, grp]}, name: ucc_good}
      - unique_combination_of_columns: {arguments: {combination_of_columns: [grp]}, name: ucc_bad}
      - row_count_between: {arguments: {min_value: 1, max_value: 5}, name: rows_good}
      - row_count_between: {arguments: {min_value: 6}, name: rows_bad}
    columns:
      - name: score
        data_tests:
          - accepted_range: {arguments: {min_value: -1, max_value: 2}, name: range_good}
          - accepted_range: {arguments: {min_value: 0, max_value: 1}, name: range_bad}
          - accepted_range:
              arguments: {min_value: 0, max_value: 1, inclusive: false}
              name: range_strict_bad
      - name: label
        data_tests:
          - not_empty_string: {name: nes_bad}
      - name: grp
        data_tests:
          - not_empty_string: {name: nes_good}
"""

EXPECTED_FAILURES = {
    "expr_good": 0,
    "expr_bad": 1,
    "expr_where_good": 0,
    "ucc_good": 0,
    "ucc_bad": 2,
    "rows_good": 0,
    "rows_bad": 1,
    "range_good": 0,
    "range_bad": 2,
    "range_strict_bad": 4,
    "nes_bad": 1,
    "nes_good": 0,
}


def test_generic_tests_count_failures(tmp_path: Path) -> None:
    project = tmp_path / "project"
    (project / "seeds").mkdir(parents=True)
    shutil.copytree(PROJECT_DIR / "tests" / "generic", project / "tests" / "generic")
    (project / "seeds" / "cases.csv").write_text(SEED)
    (project / "seeds" / "_cases.yml").write_text(SCHEMA)
    (project / "dbt_project.yml").write_text(
        textwrap.dedent(
            """
            name: generic_test_check
            version: "1.0"
            config-version: 2
            profile: generic_test_check
            data_tests:
              +severity: warn
            """
        )
    )
    (project / "profiles.yml").write_text(
        textwrap.dedent(
            f"""
            generic_test_check:
              target: dev
              outputs:
                dev:
                  type: duckdb
                  path: "{tmp_path / "check.duckdb"}"
            """
        )
    )
    env = {
        "PATH": str(BIN),
        "DBT_PROFILES_DIR": str(project),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
        "HOME": str(tmp_path),
    }
    run_dbt(["build"], env=env, cwd=project)
    results = run_results(project / "target")
    failures = {uid.split(".")[2]: r["failures"] for uid, r in results.items() if uid.startswith("test.")}
    assert failures == EXPECTED_FAILURES
