"""The pure layers import no Django, even indirectly: import every pure module in a fresh
interpreter where importing Django fails."""

import pkgutil
import subprocess
import sys
from pathlib import Path

import spinereg

PURE = ("core", "analytics", "interop", "synth")


def _pure_modules() -> list[str]:
    root = Path(spinereg.__file__).parent
    names = []
    for layer in PURE:
        names.append(f"spinereg.{layer}")
        for info in pkgutil.walk_packages([str(root / layer)], prefix=f"spinereg.{layer}."):
            names.append(info.name)
    return names


def test_pure_layers_import_without_django():
    modules = _pure_modules()
    assert "spinereg.core.schedule" in modules
    script = (
        "import sys\n"
        "for name in ('django', 'ninja'):\n"
        "    sys.modules[name] = None\n"
        "import importlib\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr[-2000:]
