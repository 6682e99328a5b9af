"""Tooling around the customer segmentation dbt project: sample data, loading, checks, exports."""

from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
RAW_TABLES = (
    "crm_accounts",
    "crm_contacts",
    "crm_deals",
    "crm_subscriptions",
    "shop_orders",
    "shop_order_lines",
    "events",
)
