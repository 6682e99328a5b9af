"""The report page: one self-contained HTML file (plotly.js inlined once, no external request)."""

from __future__ import annotations

import html

import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

STYLE = """
body { font-family: system-ui, sans-serif; margin: 0 auto; max-width: 1280px; padding: 0 24px 48px; color: #222; }
h1 { margin-top: 24px; } h2 { margin-top: 40px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
p.note { color: #555; max-width: 70em; } table { border-collapse: collapse; margin: 12px 0; }
td, th { border: 1px solid #ddd; padding: 4px 10px; text-align: right; } th { background: #f5f5f5; }
td:first-child, th:first-child { text-align: left; } section.chart { margin: 16px 0; }
"""
PLOT_CONFIG = {"displaylogo": False, "responsive": True}


class Section:
    def __init__(self, title: str, note: str, figures: list[go.Figure] | None = None, table: str = "") -> None:
        self.title, self.note, self.figures, self.table = title, note, figures or [], table


def _figure_html(fig: go.Figure, index: int) -> str:
    return fig.to_html(full_html=False, include_plotlyjs=False, div_id=f"chart-{index}", config=PLOT_CONFIG)


def table_html(rows: list[dict], columns: list[str]) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(row[c]))}</td>" for c in columns) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def render(title: str, subtitle: str, sections: list[Section]) -> str:
    parts, index = [], 0
    for section in sections:
        parts.append(f"<h2>{html.escape(section.title)}</h2><p class='note'>{html.escape(section.note)}</p>")
        for fig in section.figures:
            parts.append(f"<section class='chart'>{_figure_html(fig, index)}</section>")
            index += 1
        parts.append(section.table)
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title><style>{STYLE}</style>"
        f"<script type='text/javascript'>{get_plotlyjs()}</script></head><body>"
        f"<h1>{html.escape(title)}</h1><p class='note'>{html.escape(subtitle)}</p>"
        + "".join(parts)
        + "</body></html>"
    )
