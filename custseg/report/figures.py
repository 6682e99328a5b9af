"""Plotly figures of the report, one function per chart, from custseg.report.data.ReportData."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

FALLBACK_COLOUR = "#888888"
LAYOUT = {"template": "plotly_white", "margin": {"l": 60, "r": 20, "t": 40, "b": 50}}


def _layout(fig: go.Figure, title: str, height: int = 420, **extra) -> go.Figure:
    fig.update_layout(title=title, height=height, **LAYOUT, **extra)
    return fig


def _colour(value) -> str:
    return value if isinstance(value, str) and value.startswith("#") else FALLBACK_COLOUR


def segment_sizes(sizes: pd.DataFrame, entity_type: str) -> go.Figure:
    fig = go.Figure()
    part = sizes[sizes["entity_type"] == entity_type]
    for segment_id, rows in part.groupby("segment_id", sort=True):
        first = rows.iloc[0]
        fig.add_trace(go.Scatter(
            x=rows["as_of_date"], y=rows["member_count"], mode="lines+markers", name=first["label"] or segment_id,
            line={"color": _colour(first["colour"])}, hovertemplate="%{x}: %{y} members<extra>%{fullData.name}</extra>",
        ))
    dates = part["as_of_date"].nunique()
    return _layout(fig, f"{entity_type.capitalize()} segment sizes over {dates} as-of dates", height=520,
                   xaxis_title="as-of date", yaxis_title="members")


def rfm_grid(rfm: pd.DataFrame) -> go.Figure:
    grid = rfm.pivot(index="r_score", columns="f_score", values="contacts").sort_index().sort_index(axis=1)
    fig = go.Figure(go.Heatmap(
        z=grid.to_numpy(), x=[f"F{c}" for c in grid.columns], y=[f"R{r}" for r in grid.index],
        colorscale="Blues", text=grid.fillna(0).astype(int).to_numpy(), texttemplate="%{text}",
        hovertemplate="%{y} %{x}: %{z} contacts<extra></extra>", colorbar={"title": "contacts"},
    ))
    return _layout(fig, "RFM grid: contacts by recency (R) and frequency (F) score", height=460,
                   xaxis_title="frequency score", yaxis_title="recency score")


def clv_distribution(histogram: pd.DataFrame, status: pd.DataFrame) -> go.Figure:
    mids = (histogram["bin_low"] + histogram["bin_high"]) / 2
    fig = go.Figure(go.Bar(
        x=mids, y=histogram["contacts"], width=histogram["bin_high"] - histogram["bin_low"],
        marker_color="#1f77b4", hovertemplate="%{x:.0f}: %{y} contacts<extra></extra>",
    ))
    counts = ", ".join(f"{row.clv_status}: {row.contacts}" for row in status.itertuples())
    return _layout(fig, f"Predicted CLV of scored contacts (top 1% in the last bin; {counts})",
                   xaxis_title="predicted CLV (reporting currency)", yaxis_title="contacts")


def p_alive_by_recency(p_alive: pd.DataFrame) -> go.Figure:
    fig = go.Figure()
    for band, rows in p_alive.groupby("frequency_band", sort=True):
        fig.add_trace(go.Scatter(
            x=rows["weeks_since_last"], y=rows["mean_p_alive"], mode="lines+markers", name=band,
            marker={"size": np.clip(np.sqrt(rows["contacts"].to_numpy(float)) * 3, 4, 18)},
            customdata=rows["contacts"], hovertemplate="%{x} weeks: P(alive) %{y:.2f}, %{customdata} contacts",
        ))
    return _layout(fig, "P(alive) against time since the last purchase", xaxis_title="weeks since last purchase",
                   yaxis_title="mean P(alive)", yaxis_range=[0, 1.02])


def overlap_matrix(overlap: pd.DataFrame, catalog: pd.DataFrame, entity_type: str) -> go.Figure:
    part = overlap[overlap["entity_type"] == entity_type]
    ids = sorted(catalog.loc[catalog["entity_type"] == entity_type, "segment_id"])
    labels = catalog.set_index("segment_id")["label"].to_dict()
    matrix = pd.DataFrame(np.nan, index=ids, columns=ids)
    for row in part.itertuples():
        matrix.loc[row.segment_id_a, row.segment_id_b] = row.jaccard
        matrix.loc[row.segment_id_b, row.segment_id_a] = row.jaccard
    names = [labels.get(i) or i for i in ids]
    fig = go.Figure(go.Heatmap(
        z=matrix.to_numpy(), x=names, y=names, colorscale="Viridis", zmin=0, zmax=1,
        hovertemplate="%{y} / %{x}: Jaccard %{z:.2f}<extra></extra>", colorbar={"title": "Jaccard"},
    ))
    return _layout(fig, f"Overlap of {entity_type} segments (Jaccard index of members)",
                   height=max(420, 22 * len(ids) + 200), xaxis_tickangle=-45)


def holdout_vs_treated(catalog: pd.DataFrame) -> go.Figure:
    rows = catalog.sort_values("member_count")
    names = [label or sid for label, sid in zip(rows["label"], rows["segment_id"], strict=True)]
    fig = go.Figure([
        go.Bar(y=names, x=rows["treated_count"], name="treated", orientation="h",
               marker_color=[_colour(c) for c in rows["colour"]]),
        go.Bar(y=names, x=rows["holdout_count"], name="holdout", orientation="h", marker_color="#bbbbbb"),
    ])
    return _layout(fig, "Holdout and treated members per segment", height=max(420, 18 * len(rows) + 120),
                   barmode="stack", xaxis_title="members")


def lead_funnel(funnel: pd.DataFrame, order: tuple[str, ...]) -> go.Figure:
    stages = funnel.set_index("funnel_stage").reindex(list(order)).fillna(0)
    reached = stages["contacts"][::-1].cumsum()[::-1]
    text = [f"lead score {low:.0f} and up" for low in stages["min_lead_score"]]
    stages_mql = [f"MQL: {int(stages['mql'].sum())}", f"SQL: {int(stages['sql'].sum())}"]
    fig = go.Figure(go.Funnel(y=[f"{s} of funnel" for s in order], x=reached.to_numpy(), text=text,
                              textinfo="value+percent initial+text"))
    return _layout(fig, f"Lead-score funnel: contacts reaching each stage ({'; '.join(stages_mql)})")


def quarantine(rejects: pd.DataFrame) -> go.Figure:
    fig = go.Figure()
    for reason, rows in rejects.groupby("reject_reason", sort=True):
        fig.add_trace(go.Bar(x=rows["staging_model"], y=rows["rows"], name=reason))
    return _layout(fig, "Quarantined rows by staging model and reason", barmode="stack", yaxis_title="rows")


def row_accounting(accounting: pd.DataFrame) -> go.Figure:
    parts = [("staged_rows", "staged", "#2ca02c"), ("rejected_rows", "rejected", "#d62728"),
             ("duplicate_rows", "duplicate", "#ff7f0e"), ("unaccounted_rows", "unaccounted", "#000000")]
    fig = go.Figure([
        go.Bar(x=accounting["raw_table"], y=accounting[column] / accounting["raw_rows"].clip(lower=1), name=name,
               marker_color=colour, customdata=accounting[column],
               hovertemplate="%{x}: %{customdata} rows (%{y:.1%})<extra>" + name + "</extra>")
        for column, name, colour in parts
    ])
    return _layout(fig, "Row accounting: raw = staged + rejected + duplicates", barmode="stack",
                   yaxis_tickformat=".0%", yaxis_title="share of raw rows")


def clv_tracking(tracking) -> go.Figure:
    weekly = tracking.weekly
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.08,
                        subplot_titles=("Repeat purchases per week", "Cumulative repeat purchases"))
    styles = {"full": "solid", "calibration": "dash"}
    series = {"actual": ("actual", {"color": "#000000", "width": 2})}
    for column, label in tracking.lines.items():
        model, kind = column.rsplit("_", 1)
        scoring = model == tracking.scoring_model
        dash = styles[kind] if scoring else "dot"
        series[column] = (label, {"dash": dash, "width": 2 if scoring else 1})
    for column, (label, line) in series.items():
        cumulative = weekly[column].to_numpy(float)
        incremental = np.diff(cumulative, prepend=0.0)
        for row, values in ((1, incremental), (2, cumulative)):
            fig.add_trace(go.Scatter(x=weekly["week_end"], y=values, mode="lines", name=label, line=line,
                                     legendgroup=column, showlegend=row == 1), row=row, col=1)
    if tracking.split_date:
        for row in (1, 2):
            fig.add_vline(x=tracking.split_date, line_dash="dash",
                          line_color="#999999", row=row, col=1)
        fig.add_annotation(x=tracking.split_date, y=1.0, yref="paper",
                           text="calibration | holdout", showarrow=False, yshift=10)
    return _layout(fig, "CLV fit tracking: predicted vs actual repeat purchases", height=640,
                   legend={"orientation": "h", "y": -0.12})
