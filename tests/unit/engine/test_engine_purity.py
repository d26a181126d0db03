"""The engine core stays pure and ``import civicflow`` stays light (checked in a fresh
interpreter, so other tests' imports do not hide a regression)."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("sqlalchemy", "psycopg", "alembic", "polars", "typer")


def _loaded_after(code: str) -> set[str]:
    probe = code + "\nimport sys\nprint(' '.join(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True)
    return {name.split(".")[0] for name in out.stdout.split()}


def test_engine_core_imports_no_database_or_web_library() -> None:
    loaded = _loaded_after(
        "import civicflow.engine.commands, civicflow.engine.compile, "
        "civicflow.engine.behaviours, civicflow.engine.multi_instance, "
        "civicflow.engine.conditions, civicflow.engine.compensation, "
        "civicflow.engine.transaction, civicflow.engine.complex_gateway"
    )
    assert loaded.isdisjoint(HEAVY), loaded & set(HEAVY)


def test_importing_civicflow_is_light_until_the_engine_is_used() -> None:
    assert _loaded_after("import civicflow").isdisjoint(HEAVY)
    assert "sqlalchemy" in _loaded_after("import civicflow; civicflow.Engine")
