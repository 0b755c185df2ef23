"""Files the site ships itself: the Vega bundle, the stylesheet and the explorer (nothing from a CDN)."""
from __future__ import annotations

import shutil
from importlib import resources
from pathlib import Path

from renshe.outputs import atomic_write_bytes


PACKAGE_ASSETS = ("vega-bundle.js", "renshe.css", "explorer.js")


def package_asset(name: str) -> Path:
    return Path(str(resources.files("renshe.publish") / "assets" / name))


def vega_bundle_text() -> str:
    """Vega, Vega-Lite and vega-embed in one classic script (wrapped so its names stay private)."""
    import vl_convert

    bundle = vl_convert.javascript_bundle(vl_version="6.4")
    header = (f"/* Vega {vl_convert.get_vega_version()}, Vega-Lite 6.4, vega-embed "
              f"{vl_convert.get_vega_embed_version()}: bundled by vl-convert-python {vl_convert.__version__} "
              f"(renshe.publish.site.write_vega_bundle). */\n")
    return header + "(function () {\n" + bundle + "\n})();\n"


def write_vega_bundle(target: Path | None = None) -> Path:
    """Regenerate the packaged Vega bundle (after upgrading vl-convert-python or Altair)."""
    target = target or package_asset("vega-bundle.js")
    atomic_write_bytes(target, vega_bundle_text().encode("utf-8"))
    return target


def copy_assets(target: Path) -> None:
    (target / "vega").mkdir(parents=True, exist_ok=True)
    shutil.copyfile(package_asset("vega-bundle.js"), target / "vega" / "vega-bundle.js")
    shutil.copyfile(package_asset("renshe.css"), target / "renshe.css")
    shutil.copyfile(package_asset("explorer.js"), target / "explorer.js")
