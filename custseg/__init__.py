"""Tooling around the customer segmentation dbt project: sample data, loading, checks, exports."""

import os
from pathlib import Path


def _project_dir() -> Path:
    """The dbt project folder: $CUSTSEG_PROJECT_DIR, else the checkout this package lives in,
    else (package installed into site-packages) the working directory."""
    if os.environ.get("CUSTSEG_PROJECT_DIR"):
        return Path(os.environ["CUSTSEG_PROJECT_DIR"]).resolve()
    checkout = Path(__file__).resolve().parent.parent
    return checkout if (checkout / "dbt_project.yml").exists() else Path.cwd()


PROJECT_DIR = _project_dir()
RAW_TABLES = (
    "crm_accounts",
    "crm_contacts",
    "crm_deals",
    "crm_subscriptions",
    "shop_orders",
    "shop_order_lines",
    "events",
)
