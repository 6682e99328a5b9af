"""`python -m custseg report --out DIR`: an offline HTML dashboard of the segments, the CLV fit
and data quality (report.html, one file, plotly.js inlined).

data.py runs the aggregate queries, tracking.py computes the CLV fit's tracking, figures.py
draws each chart, page.py assembles the page.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from custseg.durable import atomic_write_text
from custseg.layers import connect_duckdb

REPORT_FILE = "report.html"


@dataclass
class ReportResult:
    path: Path
    size_bytes: int
    seconds: float
    charts: int

    def line(self) -> str:
        return (f"wrote {self.path} ({self.size_bytes:,} bytes, {self.charts} charts) "
                f"in {self.seconds:.1f} s")


def build_sections(data) -> list:
    from custseg import clv
    from custseg.report import figures, tracking
    from custseg.report.data import FUNNEL_ORDER
    from custseg.report.page import Section, table_html

    track = tracking.compute(data)
    fit = data.fit
    if track is None:
        clv_note = "No fitted CLV parameters for this as-of date: the tracking chart is left out."
        clv_figures = []
    else:
        scoring = clv.MODEL_LABELS[track.scoring_model]
        clv_note = (
            f"{scoring} scores contact_clv ({fit['selection_reason']}). Lines: "
            + "; ".join(track.lines.values()) + ". " + " ".join(track.notes)
        )
        clv_figures = [figures.clv_tracking(track)]
    accounting = data.accounting.to_dict("records")
    return [
        Section("Segment sizes over time",
                "Members per segment on each as-of date of segment_sizes_daily, in the catalog's colours.",
                [figures.segment_sizes(data.sizes, kind) for kind in ("contact", "account")]),
        Section("RFM grid", "Contacts with purchases by recency and frequency score (contact_behavior).",
                [figures.rfm_grid(data.rfm)]),
        Section("Customer lifetime value",
                "Predicted CLV of the contacts the fit scored, and their mean P(alive) by weeks since the "
                "last purchase and number of repeat purchases (contact_clv).",
                [figures.clv_distribution(data.clv_histogram, data.clv_status),
                 figures.p_alive_by_recency(data.p_alive)]),
        Section("CLV fit tracking", clv_note, clv_figures),
        Section("Segment overlap", "Jaccard index of every pair of segments of one entity type (segment_overlap).",
                [figures.overlap_matrix(data.overlap, data.catalog, kind) for kind in ("contact", "account")]),
        Section("Holdout and treated", "Members kept out of activation (holdout) and treated, per segment "
                "(segment_catalog): lift is measured between the two.", [figures.holdout_vs_treated(data.catalog)]),
        Section("Lead-score funnel", "Contacts reaching each funnel stage of contact_engagement (a contact at a "
                "later stage has passed the earlier ones).", [figures.lead_funnel(data.funnel, FUNNEL_ORDER)]),
        Section("Quarantine and row accounting",
                "Rows the staging layer set aside, by reason (the *_rejected tables of the audit schema), and "
                "for every raw table: raw = staged + rejected + duplicates (staging_row_accounting).",
                [figures.quarantine(data.rejects), figures.row_accounting(data.accounting)],
                table_html(accounting, list(data.accounting.columns))),
    ]


def write_report(out_dir: Path, database: Path) -> ReportResult:
    from custseg.report import data as report_data
    from custseg.report.page import render

    started = time.monotonic()
    if not Path(database).exists():
        raise FileNotFoundError(f"DuckDB warehouse {database} not found: build the project first (make build)")
    with connect_duckdb(database, read_only=True) as con:
        data = report_data.load(con)
    sections = build_sections(data)
    page = render(
        "Customer segmentation report",
        f"As of {data.as_of_date}. Aggregates only: no row about one person is shown. "
        f"Written from {Path(database).name}.",
        sections,
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / REPORT_FILE
    atomic_write_text(path, page)
    charts = sum(len(section.figures) for section in sections)
    return ReportResult(path, path.stat().st_size, time.monotonic() - started, charts)
