"""Stage 3, publish: observations and findings in, pages and the website out.

Entry points: `renshe.publish.batch.run_notebooks(paths, runs)` executes the report notebooks
(notebooks/) with papermill for every region and headline indicator into site/pages/;
`renshe.publish.site.render_site(paths)` writes the downloads and generated partials and renders
site/ to site/_site/ (Quarto when it is on PATH, else the built-in renderer).

One module per idea: `report` (what the notebooks show), `batch` (the papermill grid),
`site` (downloads, partials and rendering).
"""
