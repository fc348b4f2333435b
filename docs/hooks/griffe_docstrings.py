"""Griffe extension for the API reference: make topogen's numpydoc read well in Markdown.

Two things a reader would otherwise stumble on:

* Sphinx roles (``:func:`name```, ``:meth:`~a.b```) are shown as inline code ``name``.
* Doctest blocks (``>>>`` lines and their output) outside an ``Examples`` section, which
  Markdown would run together into one paragraph, are put in fenced code blocks.
  (Inside ``Examples`` sections griffe already shows them as code.)

Registered in ``mkdocs.yml`` under the mkdocstrings python handler's ``extensions``.
"""

from __future__ import annotations

import re

import griffe

_ROLE = re.compile(
    r":(?:py:)?(?:func|meth|class|mod|data|attr|obj|exc|const|term|ref):`~?([^`<]+?)(?:\s*<[^>]*>)?`"
)
_HEADING_RULE = re.compile(r"^\s*-{3,}\s*$")


def fix_roles(text: str) -> str:
    """``:func:`topogen.x``` -> ```topogen.x```."""
    return _ROLE.sub(r"`\1`", text)


def fence_doctests(text: str) -> str:
    """Wrap ``>>>`` blocks outside numpydoc ``Examples`` sections in fenced code blocks."""
    lines = text.split("\n")
    out: list[str] = []
    section = ""
    i = 0
    while i < len(lines):
        line = lines[i]
        if i + 1 < len(lines) and _HEADING_RULE.match(lines[i + 1]) and line.strip():
            section = line.strip().lower()
        stripped = line.lstrip()
        if stripped.startswith(">>>") and section not in ("examples", "example"):
            indent = line[: len(line) - len(stripped)]
            block = []
            while i < len(lines) and lines[i].strip():
                block.append(lines[i][len(indent):] if lines[i].startswith(indent) else lines[i])
                i += 1
            if out and out[-1].strip():
                out.append("")
            out += [f"{indent}```pycon", *(indent + b for b in block), f"{indent}```"]
            continue
        out.append(line)
        i += 1
    return "\n".join(out)


class NumpydocForMarkdown(griffe.Extension):
    """Apply :func:`fix_roles` and :func:`fence_doctests` to every docstring."""

    def on_instance(self, *, obj, **kwargs) -> None:
        if obj.docstring is not None:
            obj.docstring.value = fence_doctests(fix_roles(obj.docstring.value))
