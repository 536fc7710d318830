"""Dependencies point inward: the core never imports storage or chat adapters."""

import ast
from pathlib import Path

ROOT = Path(__file__).parent.parent


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_core_does_not_import_outer_layers() -> None:
    offenders = []
    for path in (ROOT / "bot").rglob("*.py"):
        for name in imported_modules(path):
            top = name.split(".")[0]
            if top in {"storage", "adapters", "sqlalchemy", "telegram", "discord"}:
                offenders.append(f"{path.relative_to(ROOT)} imports {name}")
    assert offenders == []


def test_storage_does_not_import_adapters() -> None:
    offenders = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in (ROOT / "storage").rglob("*.py")
        for name in imported_modules(path)
        if name.split(".")[0] == "adapters"
    ]
    assert offenders == []
