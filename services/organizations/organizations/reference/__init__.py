"""Reference lists kept as data (JSON next to this module): positions, categories, regions,
organization types and roles. Edit the JSON, not the code, when the rules change."""
import json
from functools import lru_cache
from pathlib import Path

_DIR = Path(__file__).parent


@lru_cache
def _load(name: str) -> dict:
    return json.loads((_DIR / name).read_text(encoding="utf-8"))


def positions() -> list[dict]:
    return _load("positions.json")["positions"]


def categories() -> list[dict]:
    return _load("categories.json")["categories"]


def regions() -> list[dict]:
    return _load("regions.json")["regions"]


def organization_types() -> list[dict]:
    return _load("regions.json")["organization_types"]


def roles() -> list[dict]:
    return _load("regions.json")["roles"]


def by_code(items: list[dict]) -> dict[str, dict]:
    return {item["code"]: item for item in items}


def position_title(code):
    item = by_code(positions()).get(code)
    return item["title_ru"] if item else None


def category_title(code):
    item = by_code(categories()).get(code)
    return item["title_ru"] if item else None


def organization_level_categories() -> list[str]:
    """Categories an organization's own commission may handle (by the rules: moderator only)."""
    return [c["code"] for c in categories() if c["commission_level"] == "organization"]


def all_reference() -> dict:
    return {"positions": positions(), "categories": categories(), "regions": regions(),
            "organization_types": organization_types(), "roles": roles()}
