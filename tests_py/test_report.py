"""The segment history backfill of the sample build (`make history`) and the offline HTML report
(`python -m custseg report`), rendered in a real headless Chromium."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pytest
from scipy import special

from conftest import AS_OF, dbt_env, run_dbt
from custseg import PROJECT_DIR, clv
from custseg.layers import connect_duckdb

pytestmark = pytest.mark.slow

# Every chart of the report, by the start of its title.
CHARTS = [
    "Contact segment sizes over", "Account segment sizes over", "RFM grid", "Predicted CLV of scored contacts",
    "P(alive) against time since the last purchase", "CLV fit tracking", "Overlap of contact segments",
    "Overlap of account segments", "Holdout and treated members per segment", "Lead-score funnel",
    "Quarantined rows by staging model and reason", "Row accounting",
]
LOGS = ("segment_membership_daily", "segment_sizes_daily", "segment_membership_history", "clv_parameters")


def makefile_periods() -> int:
    """HISTORY_PERIODS of the Makefile: the number of earlier as-of dates `make build` backfills."""
    match = re.search(r"^HISTORY_PERIODS \?= (\d+)$", (PROJECT_DIR / "Makefile").read_text(), re.MULTILINE)
    assert match, "Makefile has no HISTORY_PERIODS"
    return int(match.group(1))


@pytest.fixture(scope="module")
def history(built: dict, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The sample build plus the backfill step `make build` runs (`make history`), on a copy."""
    workdir = tmp_path_factory.mktemp("history")
    env = dbt_env(workdir)
    db = Path(env["DBT_DUCKDB_PATH"])
    shutil.copy(built["db"], db)
    periods = makefile_periods()
    proc = subprocess.run(
        [sys.executable, "-m", "custseg", "history", "--as-of", AS_OF, "--periods", str(periods)],
        cwd=PROJECT_DIR, env=env, capture_output=True, text=True,
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    return {"db": db, "periods": periods, "workdir": workdir, "env": env, "stdout": proc.stdout}


def _rows(db: Path, sql: str) -> list[tuple]:
    with connect_duckdb(db, read_only=True) as con:
        return con.execute(sql).fetchall()


def test_sample_build_has_segment_sizes_for_several_dates(history: dict) -> None:
    dates = [row[0] for row in _rows(history["db"], "select distinct as_of_date from segment_sizes_daily order by 1")]
    final = date.fromisoformat(AS_OF)
    expected = [final - timedelta(days=7 * k) for k in range(history["periods"], -1, -1)]
    assert history["periods"] >= 8
    assert dates == expected
    # Sizes agree with the membership log on every date, and they change over time.
    mismatched = _rows(history["db"], """
        select s.as_of_date, s.segment_id from segment_sizes_daily as s
        left join (select as_of_date, segment_id, count(*) as n from segment_membership_daily group by all) as m
            using (as_of_date, segment_id)
        where s.member_count <> coalesce(m.n, 0)""")
    assert mismatched == []
    distinct_totals = _rows(history["db"], """
        select count(distinct total) from (select as_of_date, sum(member_count) as total
        from segment_sizes_daily group by as_of_date)""")[0][0]
    assert distinct_totals > 1


def test_backfill_leaves_the_final_tables_as_a_plain_build(built: dict, history: dict) -> None:
    with duckdb.connect(str(history["db"]), read_only=True) as con:
        con.execute(f"attach '{built['db']}' as plain (read_only)")
        tables = con.execute("""
            select table_schema, table_name from information_schema.tables
            where table_catalog = current_database() and table_type = 'BASE TABLE'
              and table_schema not in ('raw', 'main')""").fetchall()
        checked = 0
        for schema, table in tables:
            if table in LOGS:
                continue
            for a, b in ((f'"{schema}"."{table}"', f'plain."{schema}"."{table}"'),
                         (f'plain."{schema}"."{table}"', f'"{schema}"."{table}"')):
                extra = con.execute(f"select count(*) from (select * from {a} except all select * from {b})").fetchone()
                assert extra[0] == 0, f"{schema}.{table} differs from a plain build"
            checked += 1
        assert checked > 20
        final_fit = "select * exclude (fitted_at) from {} where as_of_date = date '" + AS_OF + "'"
        assert con.execute(final_fit.format("marts.clv_parameters")).fetchall() == \
            con.execute(final_fit.format("plain.marts.clv_parameters")).fetchall()
        fits = con.execute("select count(distinct as_of_date) from marts.clv_parameters").fetchone()[0]
        assert fits == history["periods"] + 1


def test_backfilled_date_equals_a_plain_run_of_that_date(built: dict, history: dict,
                                                         tmp_path_factory: pytest.TempPathFactory) -> None:
    """The backfill reuses one parsed manifest for every date: the as-of date still reaches the SQL."""
    day = (date.fromisoformat(AS_OF) - timedelta(days=7 * history["periods"])).isoformat()
    workdir = tmp_path_factory.mktemp("plain_day")
    env = dbt_env(workdir)
    shutil.copy(built["db"], env["DBT_DUCKDB_PATH"])
    logs = ["+segment_sizes_daily", "+segment_membership_daily"]
    run_dbt(["run", "-s", *logs, "--vars", f"{{as_of_date: '{day}'}}"], env)
    query = ("select segment_id, entity_id, is_holdout, reason from segment_membership_daily "
             f"where as_of_date = date '{day}' order by all")
    plain = _rows(Path(env["DBT_DUCKDB_PATH"]), query)
    assert plain and _rows(history["db"], query) == plain


def test_new_customer_expectation_is_the_unconditional_one() -> None:
    from custseg.report.tracking import new_customer_purchases

    t = np.array([0.5, 4.0, 52.0, 150.0])
    r, alpha, a, b = 0.24, 4.4, 0.79, 2.4
    z = t / (alpha + t)
    bg = (a + b - 1) / (a - 1) * (1 - (alpha / (alpha + t)) ** r * special.hyp2f1(r, b, a + b - 1, z))
    assert np.allclose(new_customer_purchases(clv.MODEL_BGNBD, (r, alpha, a, b), t), bg, rtol=1e-9)
    r, alpha, s, beta = 0.55, 10.6, 0.61, 11.7
    pnbd = r * beta / (alpha * (s - 1)) * (1 - (beta / (beta + t)) ** (s - 1))
    assert np.allclose(new_customer_purchases(clv.MODEL_PARETO_NBD, (r, alpha, s, beta), t), pnbd, rtol=1e-9)


@pytest.fixture(scope="module")
def chromium() -> str:
    proc = subprocess.run(["bash", str(PROJECT_DIR / "scripts" / "install_chromium.sh")],
                          capture_output=True, text=True, check=True)
    return proc.stdout.strip().splitlines()[-1]


@pytest.fixture(scope="module")
def rendered(history: dict, chromium: str) -> dict:
    """The report of the backfilled sample warehouse, opened in headless Chromium from disk."""
    from playwright.sync_api import sync_playwright

    out = history["workdir"] / "report"
    proc = subprocess.run([sys.executable, "-m", "custseg", "report", "--out", str(out)], cwd=PROJECT_DIR,
                          env={**history["env"], "DBT_DUCKDB_PATH": str(history["db"])}, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    page_file = out / "report.html"
    screenshot = history["workdir"] / "report.png"
    console, requests = [], []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1300, "height": 900}, device_scale_factor=0.5)
        page.on("console", lambda message: console.append((message.type, message.text)))
        page.on("pageerror", lambda error: console.append(("pageerror", str(error))))
        page.on("request", lambda request: requests.append(request.url))
        page.goto(page_file.as_uri())
        page.wait_for_load_state("networkidle")
        charts = page.evaluate("""() => Array.from(document.querySelectorAll('.js-plotly-plot')).map(d => ({
            title: (d.layout && d.layout.title && d.layout.title.text) || '',
            traces: (d._fullData || []).length,
            points: (d._fullData || []).map(t => ['x', 'y', 'z'].reduce((n, k) => n + (t[k] ? t[k].length : 0), 0)),
            svg: d.querySelectorAll('svg.main-svg').length,
            marks: d.querySelectorAll('g.trace path, g.trace rect, g.point path, .heatmaplayer image').length,
        }))""")
        page.screenshot(path=str(screenshot), full_page=True)
        browser.close()
    if os.environ.get("CUSTSEG_REPORT_SCREENSHOT"):
        shutil.copy(screenshot, os.environ["CUSTSEG_REPORT_SCREENSHOT"])
    return {"stdout": proc.stdout, "file": page_file, "console": console, "requests": requests,
            "charts": charts, "screenshot": screenshot}


def test_report_renders_without_console_errors_or_requests(rendered: dict) -> None:
    assert [m for m in rendered["console"] if m[0] in ("error", "pageerror", "warning")] == []
    assert rendered["requests"] == [rendered["file"].as_uri()]
    html = rendered["file"].read_text()
    assert not re.search(r"<(script|img|iframe)[^>]*\ssrc=|<link[^>]*\shref=", html, re.IGNORECASE)
    assert rendered["screenshot"].stat().st_size > 50_000


def test_report_draws_every_chart_with_data(rendered: dict) -> None:
    titles = [chart["title"] for chart in rendered["charts"]]
    assert len(titles) == len(CHARTS)
    for expected, title in zip(CHARTS, titles, strict=True):
        assert title.startswith(expected), titles
    for chart in rendered["charts"]:
        assert chart["svg"] >= 1 and chart["traces"] >= 1 and chart["marks"] >= 1, chart
        assert all(n > 0 for n in chart["points"]), chart
    sizes = next(c for c in rendered["charts"] if c["title"].startswith("Contact segment sizes"))
    assert f"over {makefile_periods() + 1} as-of dates" in sizes["title"]


def test_report_shows_no_personal_data(rendered: dict, history: dict) -> None:
    """No contact id, email or name of the warehouse appears in the page."""
    html = rendered["file"].read_text()
    ids = [row[0] for row in _rows(history["db"], "select contact_id from contact_clv limit 200")]
    emails = [row[0] for row in _rows(history["db"], """
        select email from audit.stg_crm__contacts_rejected where email is not null and length(email) > 5 limit 200""")]
    assert ids and emails
    leaked = [value for value in ids + emails if f'"{value}"' in html or f">{value}<" in html]
    assert leaked == []


def test_report_of_a_missing_warehouse_is_a_clear_error(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "custseg", "report", "--out", str(tmp_path),
                           "--database", str(tmp_path / "none.duckdb")], capture_output=True, text=True,
                          cwd=PROJECT_DIR)
    assert proc.returncode == 2
    assert "not found" in proc.stderr and "Traceback" not in proc.stderr
