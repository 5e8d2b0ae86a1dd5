r"""Markdown as each site reads it (``--flavor``): the same page, its math written so that
the TeX survives the site's Markdown parser and reaches its math engine unchanged.

    zenn     $$ … $$ and $…$ (Zenn's own parser keeps them for KaTeX)
    qiita    ```math fences (no Markdown inside a fence) and $…$ with the characters that
             CommonMark would take (\\, _, *) escaped, for MathJax
    github   ```math fences and $`…`$ (the code span keeps the TeX as it is)
    hatena   [tex:…] (Hatena Blog's TeX notation, Markdown mode): a display in a <div> on one
             line (an HTML block, which Markdown leaves alone), inline with the characters
             Markdown would take escaped; a ] inside is written \] so that it does not
             end the notation
"""

from __future__ import annotations

import re

FLAVORS = ("zenn", "qiita", "github", "hatena")

def flavoured(markdown: str, flavor: str) -> str:
    """matcalc's Markdown (Zenn's, by default) for another site."""
    if flavor == "zenn":
        return markdown
    out = []
    for kind, text in _parts(markdown):
        if kind == "display" and flavor == "hatena":
            out.append("<div>[tex:\\displaystyle " + _hatena(" ".join(text.split("\n")))
                       + "]</div>")
        elif kind == "display":
            out.append("```math\n" + text + "\n```")
        elif kind == "code":
            out.append(text)
        else:
            out.append(re.sub(r"(?<![\\$])\$([^$\n]+?)\$(?!\$)",
                              lambda m: _inline(m.group(1), flavor), text))
    return "".join(out)


def _hatena(tex: str) -> str:
    """A ] would end [tex:…]: written \\]."""
    return tex.replace("]", "\\]")


def _inline(tex: str, flavor: str) -> str:
    if flavor == "github":
        return f"$`{tex}`$"
    if flavor == "hatena":  # Markdown's escapes first, then the notation's own for ]
        return "[tex:" + re.sub(r"([\\_*\[\]^])", r"\\\1", _hatena(tex)) + "]"
    # CommonMark reads a backslash before punctuation as an escape and _ and * as emphasis:
    # escape them so that the TeX comes out of the parser as it went in
    return "$" + re.sub(r"([\\_*])", r"\\\1", tex) + "$"


def _parts(markdown: str):
    """("display", tex) for $$ blocks, ("code", text) for fenced code kept as it is, and
    ("text", text) for the rest (with its line breaks)."""
    lines = markdown.splitlines(keepends=True)
    k, text = 0, []
    while k < len(lines):
        line = lines[k]
        fence = "$$" if line.strip() == "$$" else "```" if line.startswith("```") else None
        if fence is None:
            text.append(line)
            k += 1
            continue
        end = k + 1
        while end < len(lines) and not lines[end].startswith(fence):
            end += 1
        if text:
            yield "text", "".join(text)
            text = []
        body = "".join(lines[k + 1:end]).rstrip("\n")
        tail = "\n" if end < len(lines) and lines[end].endswith("\n") else ""
        if fence == "$$":
            yield "display", body
            yield "code", tail
        else:
            yield "code", "".join(lines[k:end + 1])
        k = end + 1
    if text:
        yield "text", "".join(text)
