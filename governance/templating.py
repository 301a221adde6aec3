"""Jinja2 environments over the templates a package ships (its `templates/` folder).

Every generated document (datasheets, post-mortems, weekly reports, feedback packs) is
rendered the same way: templates read from inside the installed package, so a wheel install
finds them; undefined names fail loudly instead of printing nothing; no HTML autoescaping
(the templates write Markdown, and HTML pages escape through markdown-it).
"""

from __future__ import annotations

from importlib import resources

from jinja2 import Environment, FunctionLoader, StrictUndefined


def package_environment(package: str, *, trim_blocks: bool = False) -> Environment:
    """A Jinja2 environment loading `<package>/templates/<name>`, strict about undefined."""

    def load(name: str) -> str | None:
        resource = resources.files(package) / "templates" / name
        return resource.read_text("utf-8") if resource.is_file() else None

    return Environment(loader=FunctionLoader(load), undefined=StrictUndefined,
                       autoescape=False, keep_trailing_newline=True, trim_blocks=trim_blocks)
