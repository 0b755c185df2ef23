"""The published website: downloads, generated page parts, the explorer's data, and rendering
(Quarto or built-in, with Quarto's post-render step in `offline`).

`render_site(paths)` (renshe.publish.site.render) prepares the generated inputs of the Quarto project in site/
(pages/_*.md partials, downloads/, data-docs/, assets/), then renders with `quarto render`
when quarto is on PATH, else with the built-in renderer: nbconvert HTML (code hidden) for
the executed notebooks in site/pages/, mistune for the .qmd pages, one shared Jinja template
with the navbar read from site/_quarto.yml. Both write site/_site.

Document text is untrusted: partials are built from escaped HTML only.
"""
from __future__ import annotations

from renshe.publish.site.assets import (  # noqa: F401
    PACKAGE_ASSETS, package_asset, vega_bundle_text, write_vega_bundle, copy_assets,
)
from renshe.publish.site.downloads import (  # noqa: F401
    WORKBOOK_EPOCH, CORE_DATES, OBSERVATION_FIELDS, codebook_frame, workbook_stamp, normalise_xlsx, excel_bytes, download_tables, write_downloads,
)
from renshe.publish.site.explorer import (  # noqa: F401
    EXPLORER_DATA, EXPLORER_SCRIPT, DATA_VARIABLE, explorer_payload, explorer_script, write_explorer_data, explorer_partial,
)
from renshe.publish.site.partials import (  # noqa: F401
    findings_partial, key_figures, quality_partial, data_partial, prepare_site, prepare_data_outputs, DataOutputs,
)
from renshe.publish.site.builtin import (  # noqa: F401
    INCLUDE, RAW_HTML_FENCE, FRONT_MATTER, LOCAL_DOC_LINK, Page, load_project, render_qmd, render_notebook, render_builtin,
)
from renshe.publish.site.render import (  # noqa: F401
    quarto_path, render_quarto, render_site,
)
