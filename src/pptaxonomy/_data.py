"""Where the packaged data lives: inside the wheel, or in the repository for editable installs."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from .errors import DataNotFound


@cache
def data_root() -> Path:
    """The directory holding ``taxonomy/`` and ``schema/``."""
    packaged = Path(__file__).resolve().parent / "data"
    if (packaged / "taxonomy").is_dir():
        return packaged
    repo = Path(__file__).resolve().parents[2]
    if (repo / "taxonomy").is_dir() and (repo / "schema").is_dir():
        return repo
    raise DataNotFound(
        f"taxonomy data not found in {packaged} or {repo}; reinstall the pptaxonomy package"
    )


def taxonomy_dir() -> Path:
    return data_root() / "taxonomy"


def schema_path() -> Path:
    return data_root() / "schema" / "pptaxonomy.yaml"


@cache
def data_version() -> str:
    return (taxonomy_dir() / "VERSION").read_text(encoding="utf-8").strip()
