from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

import pptaxonomy
from pptaxonomy._data import taxonomy_dir

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def tax() -> pptaxonomy.Taxonomy:
    return pptaxonomy.load()


@pytest.fixture(scope="session")
def shipped_dir() -> Path:
    return taxonomy_dir()


def write_yaml(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path
