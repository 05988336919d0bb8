"""What the book's pages load, besides their own HTML: scripts, icons, favicon, search texts.

Everything is served from the site itself (offline, from a USB stick, from file://), and each
page loads only what it uses (book/conf.py decides per page):

- the widgets' manager (ipywidgets' html-manager, from npm), on pages with a widget that works
  without a kernel. npm ships it as one 3.6 MB file of six AMD modules; it is split into its
  modules, so that require.js loads the four that ipywidgets 8 needs (not the ipywidgets 7
  copies), and the CSS source maps webpack left inside (0.45 MB of text no page uses) are cut;
- plotly.js's cartesian bundle (npm `plotly.js-cartesian-dist-min`, 1.5 MB instead of 4.8 MB:
  heatmaps and lines are all the book draws), at the plotly wheel's plotly.js version;
- the theme's icons as a small stylesheet of SVG masks (npm `@fortawesome/fontawesome-free`),
  instead of its 1.56 MB icon script and its icon fonts.
"""

from __future__ import annotations

import base64
import importlib.metadata
import re
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[1]
NPM_CACHE = REPOSITORY / "_build" / "npm"


def plotly_js_version() -> str:
    """The plotly.js version the installed plotly wheel writes figures for."""
    import plotly

    bundle = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    with bundle.open(encoding="utf-8") as file:
        found = re.search(r"plotly\.js v(\d+\.\d+\.\d+)", file.read(400))
    if not found:
        sys.exit(f"cannot read the plotly.js version from {bundle}")
    return found.group(1)


#: npm packages: name -> (version, {file in the package: where it goes under js/}).
NPM_PACKAGES = {
    "requirejs": ("2.3.8", {"require.js": "require.js"}),
    # html-manager 1.0.x is the embedder of ipywidgets 8.1; split into modules below.
    "@jupyter-widgets/html-manager": ("1.0.15", {"dist/": ""}),
    # anywidget's front end must match the Python package's version.
    "anywidget": (importlib.metadata.version("anywidget"), {"dist/index.js": "anywidget.js"}),
    "plotly.js-cartesian-dist-min": (
        plotly_js_version(),
        {"plotly-cartesian.min.js": "plotly-cartesian.min.js"},
    ),
    # The version the book theme ships (pydata-sphinx-theme 0.16+: Font Awesome 7); only the
    # SVGs of the icons the pages show are used, as CSS masks.
    "@fortawesome/fontawesome-free": ("7.2.0", {}),
    # Not for the pages: tests/ui/test_book.py runs it in Chromium on every page.
    "axe-core": ("4.14.1", {}),
}
#: html-manager's dist/ holds source maps, the bundles split below, and a bundle for pages
#: without require.js; none of them is served as such.
SKIPPED_SUFFIXES = (".map", ".LICENSE.txt", "embed.js", "embed-amd.js")
#: The modules of html-manager's embed-amd.js, by AMD name -> file under js/ (without .js).
WIDGET_MODULES = {
    "@jupyter-widgets/base": "widgets-base",
    "@jupyter-widgets/controls": "widgets-controls",
    "@jupyter-widgets/base7": "widgets-base7",  # ipywidgets 7 state only; never loaded here
    "@jupyter-widgets/controls7": "widgets-controls7",
    "@jupyter-widgets/html-manager": "widgets-html-manager",
    "@jupyter-widgets/html-manager/dist/libembed-amd": "widgets-libembed-amd",
}
#: The script that renders the widgets of a page (embed-amd.js's last lines).
WIDGETS_EMBED = "widgets-embed.js"


def log(message: str) -> None:
    print(f"[book] {message}", flush=True)


def npm_tarball(name: str, version: str) -> Path:
    """The package's tarball from the npm registry, kept in _build/npm/ for the next build."""
    NPM_CACHE.mkdir(parents=True, exist_ok=True)
    stem = name.lstrip("@").replace("/", "-")
    tarball = NPM_CACHE / f"{stem}-{version}.tgz"
    if not tarball.is_file():
        npm = shutil.which("npm")
        if npm is None:
            sys.exit("npm is needed once to fetch the book's scripts (apt-get install npm).")
        log(f"npm pack {name}@{version}")
        subprocess.run(
            [npm, "pack", "--silent", f"{name}@{version}"],
            cwd=NPM_CACHE,
            check=True,
            stdout=subprocess.DEVNULL,
        )
    return tarball


def fetch_all() -> None:
    for name, (version, _) in NPM_PACKAGES.items():
        log(f"have {npm_tarball(name, version).relative_to(REPOSITORY)}")


def package_file(name: str, path: str) -> bytes:
    """One file of an npm package, e.g. package_file("axe-core", "axe.min.js")."""
    version = NPM_PACKAGES[name][0]
    with tarfile.open(npm_tarball(name, version)) as archive:
        return archive.extractfile(f"package/{path}").read()


def _skip_literal(text: str, start: int) -> int:
    """The index just after the string literal ("...", '...' or `...`) opening at `start`."""
    quote, index = text[start], start + 1
    while text[index] != quote:
        index += 2 if text[index] == "\\" else 1
    return index + 1


def _end_of_object(text: str, start: int) -> int:
    """The index just after the {...} or [...] opening at `start`, strings skipped."""
    depth, index = 0, start
    while True:
        char = text[index]
        if char in "\"'`":
            index = _skip_literal(text, index)
            continue
        if char in "{[":
            depth += 1
        elif char in "}]":
            depth -= 1
            if depth == 0:
                return index + 1
        index += 1


def strip_css_source_maps(script: str) -> str:
    """Cut the source maps css-loader left in a webpack bundle: each stylesheet is pushed as
    [id, css, media, sourceMap], and its runtime returns the CSS alone when sourceMap is
    null. The maps hold the stylesheets' sources a second time."""
    pieces, position = [], 0
    for found in re.finditer(r"\{version:3,sources:\[", script):
        if found.start() < position:
            continue
        end = _end_of_object(script, found.start())
        pieces += [script[position : found.start()], "null"]
        position = end
    pieces.append(script[position:])
    stripped = "".join(pieces)
    if re.search(r'\{version:3,|mappings:"', stripped):
        sys.exit("a CSS source map of the widgets' bundle was not recognised: update assets.py")
    return stripped


def split_widget_modules(bundle: str) -> dict[str, str]:
    """embed-amd.js as {file name: text}: one file per AMD module, and the render script."""
    starts = [found.start() for found in re.finditer(r'^define\("', bundle, re.MULTILINE)]
    files = {}
    for start, end in zip(starts, [*starts[1:], len(bundle)], strict=True):
        module = bundle[start + len('define("') : bundle.index('"', start + len('define("'))]
        if module not in WIDGET_MODULES:
            sys.exit(f"unknown module {module} in the widgets' bundle; update WIDGET_MODULES")
        files[f"{WIDGET_MODULES[module]}.js"] = bundle[start:end]
    # The last module ends with the script that renders the page's widgets: its own file.
    last = f"{WIDGET_MODULES['@jupyter-widgets/html-manager/dist/libembed-amd']}.js"
    render_at = files[last].rindex("(()=>{")
    files[WIDGETS_EMBED] = files[last][render_at:]
    files[last] = files[last][:render_at]
    # Their source maps are not shipped: no comment may point at one.
    files = {name: re.sub(r"//# sourceMappingURL=\S+", "", text) for name, text in files.items()}
    if set(files) != {f"{name}.js" for name in WIDGET_MODULES.values()} | {WIDGETS_EMBED}:
        sys.exit(f"the widgets' bundle holds {sorted(files)}; update WIDGET_MODULES")
    if "renderWidgets" not in files[WIDGETS_EMBED]:
        sys.exit("the widgets' bundle no longer ends with its render script; update assets.py")
    return files


def install_scripts(target: Path) -> None:
    """Copy every script the pages load into `target` (served as _static/js/)."""
    target.mkdir(parents=True, exist_ok=True)
    for name, (version, files) in NPM_PACKAGES.items():
        with tarfile.open(npm_tarball(name, version)) as archive:
            for member in archive.getmembers():
                if not member.isfile():
                    continue
                path = member.name.removeprefix("package/")
                for source, destination in files.items():
                    if source.endswith("/") and path.startswith(source):
                        if path.endswith(SKIPPED_SUFFIXES):
                            continue
                        out = target / destination / path.removeprefix(source)
                    elif path == source:
                        out = target / destination
                    else:
                        continue
                    out.parent.mkdir(parents=True, exist_ok=True)
                    out.write_bytes(archive.extractfile(member).read())
    bundle = package_file("@jupyter-widgets/html-manager", "dist/embed-amd.js").decode()
    for file_name, text in split_widget_modules(strip_css_source_maps(bundle)).items():
        (target / file_name).write_text(text, encoding="utf-8")


#: Icons of the book theme's buttons, as (style, name): they become CSS masks. build.py checks
#: after the build that the pages use no other.
ICONS = {
    ("solid", name)
    for name in (
        "angle-left",
        "angle-right",
        "arrow-up",
        "bars",
        "circle-half-stroke",
        "download",
        "expand",
        "file",
        "file-pdf",
        "list",
        "magnifying-glass",
        "moon",
        "outdent",
        "rocket",
        "sun",
    )
} | {("brands", "github")}
ICON_STYLES = ("solid", "regular", "brands")
#: The class of each style, and its older short name, which the book theme's buttons use.
STYLE_CLASSES = {"solid": ("fa-solid", "fas"), "regular": ("fa-regular", "far"),
                 "brands": ("fa-brands", "fab")}  # fmt: skip


def icons_css() -> str:
    """A stylesheet that draws each of ICONS as an SVG mask in the text colour, and no icon
    font: the theme's `<i class="fa-solid fa-bars">` elements keep working, light."""
    every = [name for style in ICON_STYLES for name in STYLE_CLASSES[style]]
    rules = [
        "/* The book theme's icons, each an SVG mask in the text's colour (Font Awesome Free,",
        "   CC BY 4.0; built by book/assets.py): no icon script, no icon font. */",
        ", ".join(f".{name}" for name in every) + " { font-family: inherit !important; }",
        ", ".join(f".{name}::before" for name in every)
        + " { content: '' !important; display: inline-block; width: 1em; height: 1em;"
        " vertical-align: -0.125em; background-color: currentColor;"
        " -webkit-mask: var(--mnist-cnn-icon) center / contain no-repeat;"
        " mask: var(--mnist-cnn-icon) center / contain no-repeat; }",
    ]
    for style, name in sorted(ICONS):
        svg = package_file("@fortawesome/fontawesome-free", f"svgs/{style}/{name}.svg")
        svg = re.sub(rb"<!--.*?-->", b"", svg, flags=re.DOTALL)
        url = f"url('data:image/svg+xml;base64,{base64.b64encode(svg).decode('ascii')}')"
        selectors = ", ".join(f".{cls}.fa-{name}" for cls in STYLE_CLASSES[style])
        rules.append(f"{selectors} {{ --mnist-cnn-icon: {url}; }}")
    return "\n".join(rules) + "\n"


def icons_used(html: str) -> set[tuple[str, str]]:
    """The (style, name) icons a page's HTML asks for."""
    style_of = {cls: style for style, classes in STYLE_CLASSES.items() for cls in classes}
    sizes = {"fa-lg", "fa-fw", "fa-xs", "fa-sm", "fa-xl", "fa-2x", "fa-spin"}
    found = set()
    for classes in re.findall(r'class="([^"]*)"', html):
        names = classes.split()
        styles = [style_of[name] for name in names if name in style_of]
        if not styles:
            continue
        for name in names:
            if name.startswith("fa-") and name not in style_of and name not in sizes:
                found.add((styles[0], name[3:]))
    return found


def favicon_png(path: Path) -> None:
    """The site's icon: an MNIST 5 as the CNN sees it (white ink on black), 32 x 32."""
    import numpy as np
    from PIL import Image

    import mnist_cnn

    images, labels = mnist_cnn.load_sample(100, seed=0)
    five = images[int(np.flatnonzero(labels == 5)[0])]
    Image.fromarray(five).resize((32, 32), Image.Resampling.NEAREST).save(path)
