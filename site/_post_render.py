# Quarto's post-render step (declared in _quarto.yml): Quarto puts require.js and jQuery from a
# public CDN into every notebook page with HTML output; this removes them and checks that no page
# loads anything from another site. The code is renshe.publish.site.offline.
import sys

from renshe.publish.site.offline import main

sys.exit(main())
