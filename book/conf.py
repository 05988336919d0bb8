"""Sphinx + MyST-NB configuration of the static book (built by `make book`, see build.py).

Every script the pages need is served from the site itself (`_static/js/`), never from a CDN, so
the book works offline and from a USB stick.
"""

import json

project = "mnist-cnn"
html_title = "Teach a computer to tell a 5 from a 3"
html_baseurl = "https://mnist-cnn.github.io/mnist-cnn/"
author = "the mnist-cnn authors"
copyright = "the mnist-cnn authors (code: MIT; MNIST: CC BY-SA 3.0)"

extensions = ["myst_nb", "sphinx.ext.githubpages"]  # githubpages: .nojekyll
exclude_patterns = ["_build", "**.ipynb_checkpoints", "extra"]
html_static_path = ["extra"]  # extra/js/... -> _static/js/...
html_theme = "sphinx_book_theme"
html_theme_options = {
    "repository_url": "https://github.com/mnist-cnn/mnist-cnn",
    "use_repository_button": True,
    "use_download_button": True,
    "show_toc_level": 1,
}
html_context = {"default_mode": "light"}  # an unset mode logs a console error

# The notebooks were executed by build.py, with their widgets' state stored.
nb_execution_mode = "off"
# The widgets' manager and the loader it needs, from the site (build.py puts them there).
nb_ipywidgets_js = {
    "js/require.js": {},
    "js/embed-amd.js": {"data-jupyter-widgets-cdn": "_static/js/npm/"},
}
# Plotly charts come as text/html that loads no script (build.py); the page loads plotly.js.


def _page_scripts(app, pagename, templatename, context, doctree):
    body = context.get("body", "")
    if "plotly-graph-div" in body:
        # Before require.js (priority 500), so that plotly.js defines window.Plotly.
        app.add_js_file("js/plotly.min.js", priority=300)
    if "application/vnd.jupyter.widget-view+json" in body:
        # require.js reads this configuration when it loads: anywidget comes from the site,
        # and the widgets' modules (@jupyter-widgets/base, ...) take their URL, where their
        # icon fonts are looked for, from here.
        paths = {
            "anywidget": "_static/js/anywidget",
            "@jupyter-widgets": "_static/js",
            "@jupyter-widgets/html-manager/dist": "_static/js",
        }
        app.add_js_file(None, body=f"var require = {{paths: {json.dumps(paths)}}};", priority=400)


def setup(app):
    app.connect("html-page-context", _page_scripts)
