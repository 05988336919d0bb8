"""Sphinx + MyST-NB configuration of the static book (built by `make book`, see build.py).

Every script the pages need is served from the site itself (`_static/js/`), never from a CDN, so
the book works offline, from a USB stick and from file://. Each page loads only the scripts it
uses (`_page_assets`), and none of them stops the page from showing first.
"""

import html
import json
import os
import re
from urllib.parse import urlparse

#: The one repository address, from pyproject.toml's [project.urls] (build.py reads it with
#: tools/sync_notebooks.py, as the notebooks' badges do, and passes it here).
REPOSITORY_URL = os.environ.get("MNIST_CNN_REPOSITORY", "")
if not REPOSITORY_URL:
    raise RuntimeError("conf.py is run by book/build.py, which sets MNIST_CNN_REPOSITORY.")
OWNER, NAME = urlparse(REPOSITORY_URL).path.strip("/").split("/")

project = "mnist-cnn"
html_title = "Teach a computer to tell a 5 from a 3"
html_baseurl = f"https://{OWNER}.github.io/{NAME}/"  # GitHub Pages, as .github/workflows/book.yml
author = "the mnist-cnn authors"
copyright = "the mnist-cnn authors (code: MIT; MNIST: CC BY-SA 3.0)"

extensions = [
    "myst_nb",
    "sphinx.ext.githubpages",  # .nojekyll
    "sphinx_copybutton",  # a copy button on every code cell
]
exclude_patterns = ["_build", "**.ipynb_checkpoints", "extra", "_templates"]
templates_path = ["_templates"]  # no icon script, deferred search scripts, named search field
html_static_path = ["extra"]  # extra/js/... -> _static/js/...
html_css_files = ["book.css", "icons.css"]
html_js_files = [("book.js", {"defer": "defer"})]
html_favicon = "favicon.png"  # an MNIST 5 (build.py)
html_theme = "sphinx_book_theme"
html_theme_options = {
    "repository_url": REPOSITORY_URL,
    "repository_branch": "main",
    "path_to_docs": "notebooks",  # where the launch buttons find each notebook
    "use_repository_button": True,
    "use_download_button": True,
    "launch_buttons": {
        "colab_url": "https://colab.research.google.com",
        "binderhub_url": "https://mybinder.org",
        "notebook_interface": "jupyterlab",
    },
    "show_toc_level": 1,
}
html_context = {"default_mode": "auto"}  # light or dark, as the reader's system is set
copybutton_exclude = ".linenos, .gp, .go"  # copy the code, not prompts or outputs

# The notebooks were executed by build.py, with their widgets' state stored.
nb_execution_mode = "off"
# The widgets' manager and the loader it needs, from the site, on pages with a live widget
# only (myst-nb adds them where a notebook holds widget state), and after the page is drawn.
nb_ipywidgets_js = {
    "js/require.js": {"defer": "defer"},
    "js/widgets-embed.js": {"defer": "defer", "data-jupyter-widgets-cdn": "_static/js/npm/"},
}
#: Where require.js finds anywidget and the widgets' modules (book/assets.py splits them).
REQUIRE_PATHS = {
    "anywidget": "_static/js/anywidget",
    "@jupyter-widgets/base": "_static/js/widgets-base",
    "@jupyter-widgets/controls": "_static/js/widgets-controls",
    "@jupyter-widgets/base7": "_static/js/widgets-base7",
    "@jupyter-widgets/controls7": "_static/js/widgets-controls7",
    "@jupyter-widgets/html-manager": "_static/js/widgets-html-manager",
    "@jupyter-widgets/html-manager/dist/libembed-amd": "_static/js/widgets-libembed-amd",
}
#: Sphinx's and the theme's own scripts that can wait until the page is drawn (not
#: doctools.js, 4 kB, whose functions the search page's inline script calls at once).
DEFERRED = ("sphinx_highlight.js", "sphinx-book-theme.js", "clipboard.min.js", "copybutton.js")


def _page_assets(app, pagename, templatename, context, doctree):
    body = context.get("body", "")
    for script in context.get("script_files", []):
        if str(script.filename).split("?")[0].endswith(DEFERRED):
            script.attributes.setdefault("defer", "defer")
    if "mnist-cnn-chart-figure" in body:
        # plotly.js first, then the script that draws the page's figures with it.
        app.add_js_file("js/plotly-cartesian.min.js", priority=300, defer="defer")
        app.add_js_file("charts.js", priority=301, defer="defer")
    if "application/vnd.jupyter.widget-view+json" in body:
        # require.js reads this configuration when it loads.
        paths = json.dumps({"paths": REQUIRE_PATHS})
        app.add_js_file(None, body=f"var require = {paths};", priority=400)
    if pagename == "search":
        app.add_js_file("search-offline.js", priority=200)
    description = _description(pagename, body)
    context["metatags"] = context.get("metatags", "") + (
        f'\n<meta name="description" content="{html.escape(description)}" />'
    )


def _description(pagename: str, body: str) -> str:
    """The page's first paragraph, shortened: what search engines and link previews show."""
    if pagename == "search":
        return "Search the notebooks of the mnist-cnn series."
    if pagename == "genindex":
        return "Index of the mnist-cnn series."
    paragraph = re.search(r"<p>(.*?)</p>", body, re.DOTALL)
    text = html.unescape(re.sub(r"<[^>]+>", "", paragraph.group(1))) if paragraph else html_title
    text = re.sub(r"\s+", " ", text).strip()
    if len(text) > 160:
        text = text[:157].rsplit(" ", 1)[0] + "..."
    return text


def setup(app):
    app.connect("html-page-context", _page_assets)
