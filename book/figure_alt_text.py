"""Alt text for the book's figures: an IPython startup file (build.py installs it only for the
kernels that execute the notebooks for the book; notebooks run anywhere else never see it).

Every matplotlib figure a notebook shows becomes a PNG; this gives that PNG a description in
its output's metadata, made of the figure's own words: its title and its axes' titles and
labels. book/pages.py hands it to MyST-NB as the picture's alt text, which a screen reader
says instead of the picture's file name.
"""


def _describe(figure) -> str:
    words = []
    if figure._suptitle is not None and figure._suptitle.get_text().strip():
        words.append(figure._suptitle.get_text())
    for ax in figure.axes:
        for text in (ax.get_title("left"), ax.get_title(), ax.get_title("right")):
            if text.strip():
                words.append(text)
        labels = [label for label in (ax.get_xlabel(), ax.get_ylabel()) if label.strip()]
        if labels:
            words.append(" against ".join(reversed(labels)))
    seen, unique = set(), []
    for word in (" ".join(word.split()) for word in words):
        if word not in seen:
            seen.add(word)
            unique.append(word)
    text = "; ".join(unique[:12]) + ("; ..." if len(unique) > 12 else "")
    return f"Figure: {text}." if text else "A figure drawn by the code above."


def _install() -> None:
    from IPython import get_ipython
    from IPython.core.formatters import PNGFormatter

    shell = get_ipython()
    if shell is None:
        return

    class PNGWithAltText(PNGFormatter):
        def __call__(self, obj):
            data = super().__call__(obj)
            from matplotlib.figure import Figure

            if data is not None and not isinstance(data, tuple) and isinstance(obj, Figure):
                return data, {"alt": _describe(obj)}
            return data

    formatters = shell.display_formatter.formatters
    original = formatters["image/png"]
    replacement = PNGWithAltText(parent=shell.display_formatter)
    replacement.type_printers.update(original.type_printers)
    replacement.deferred_printers.update(original.deferred_printers)
    formatters["image/png"] = replacement


_install()
