"""Rendering the site: `quarto render` when Quarto is on PATH, else the built-in renderer."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys

from renshe.errors import RensheError
from renshe.outputs import atomic_directory
from renshe.paths import ProjectPaths
from renshe.publish.site.builtin import render_builtin
from renshe.publish.site.partials import DataOutputs, prepare_site


def quarto_path() -> str | None:
    return shutil.which("quarto")


def render_quarto(paths: ProjectPaths) -> None:
    """`quarto render` into a staging folder that replaces site/_site only when it succeeded
    (post-render step included), so a failed render leaves the previous site in place."""
    # The post-render step (site/_post_render.py) imports renshe: Quarto runs it with the
    # Python it would use for Jupyter, which QUARTO_PYTHON pins to this interpreter.
    env = dict(os.environ)
    env.setdefault("QUARTO_PYTHON", sys.executable)
    with atomic_directory(paths.site / "_site") as staging:
        staging.chmod(0o755)
        result = subprocess.run([quarto_path() or "quarto", "render", str(paths.site), "--output-dir",
                                 str(staging)], capture_output=True, text=True, env=env)
        if result.returncode != 0:
            raise RensheError(f"quarto render failed:\n{(result.stderr + result.stdout)[-4000:]}",
                              paths.site / "_quarto.yml")


def render_site(paths: ProjectPaths, renderer: str = "auto", data_outputs: DataOutputs | None = None) -> str:
    """Prepare the generated inputs and render site/ into site/_site; returns a report for the CLI.
    `data_outputs`: the inputs made from the data alone, already written (partials.prepare_data_outputs)."""
    if renderer not in ("auto", "quarto", "builtin"):
        raise RensheError(f"unknown renderer {renderer!r}; use auto, quarto or builtin")
    if renderer == "quarto" and quarto_path() is None:
        raise RensheError("renderer 'quarto' requested but quarto is not on PATH")
    prepare_site(paths, data_outputs)
    output = paths.site / "_site"
    if renderer == "quarto" or (renderer == "auto" and quarto_path()):
        render_quarto(paths)
        pages = sorted(output.rglob("*.html"))
        return f"rendered the site with quarto ({quarto_path()}) into {output}: {len(pages)} HTML files"
    written = render_builtin(paths)
    reason = "quarto is not on PATH" if renderer == "auto" else "requested"
    return (f"rendered {len(written)} pages with the built-in renderer (nbconvert + Jinja; {reason}) "
            f"into {output}")
