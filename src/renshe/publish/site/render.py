"""Rendering the site: `quarto render` when Quarto is on PATH, else the built-in renderer."""
from __future__ import annotations

import shutil
import subprocess

from renshe.errors import RensheError
from renshe.paths import ProjectPaths
from renshe.publish.site.builtin import render_builtin
from renshe.publish.site.partials import prepare_site


def quarto_path() -> str | None:
    return shutil.which("quarto")


def render_quarto(paths: ProjectPaths) -> None:
    result = subprocess.run([quarto_path() or "quarto", "render", str(paths.site)], capture_output=True, text=True)
    if result.returncode != 0:
        raise RensheError(f"quarto render failed:\n{result.stderr[-4000:]}", paths.site / "_quarto.yml")


def render_site(paths: ProjectPaths, renderer: str = "auto") -> str:
    """Prepare the generated inputs and render site/ into site/_site; returns a report for the CLI."""
    if renderer not in ("auto", "quarto", "builtin"):
        raise RensheError(f"unknown renderer {renderer!r}; use auto, quarto or builtin")
    if renderer == "quarto" and quarto_path() is None:
        raise RensheError("renderer 'quarto' requested but quarto is not on PATH")
    prepare_site(paths)
    output = paths.site / "_site"
    if renderer == "quarto" or (renderer == "auto" and quarto_path()):
        render_quarto(paths)
        pages = sorted(output.rglob("*.html"))
        return f"rendered the site with quarto ({quarto_path()}) into {output}: {len(pages)} HTML files"
    written = render_builtin(paths)
    reason = "quarto is not on PATH" if renderer == "auto" else "requested"
    return (f"rendered {len(written)} pages with the built-in renderer (nbconvert + Jinja; {reason}) "
            f"into {output}")
