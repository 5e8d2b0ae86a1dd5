r"""Markdown as each site reads it (``--flavor``): the same page, its math written so that
the TeX survives the site's Markdown parser and reaches its math engine unchanged.

    zenn     $$ … $$ and $…$ (Zenn's own parser keeps them for KaTeX)
    qiita    ```math fences (no Markdown inside a fence) and $…$ with the characters that
             CommonMark would take (\\, _, *) escaped, for MathJax
    github   ```math fences and $`…`$ (the code span keeps the TeX as it is)
    hatena   [tex:…] (Hatena Blog's TeX notation, Markdown mode): each row of a display
             in a <div> on one line (an HTML block, which Markdown leaves alone), inline
             with the characters Markdown would take escaped; a ] inside is written \]
             so that it does not end the notation
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
            out.append("\n".join("<div>[tex:\\displaystyle " + _hatena(row) + "]</div>"
                                  for row in aligned_rows(text)))
        elif kind == "display":
            out.append("```math\n" + text + "\n```")
        elif kind == "code":
            out.append(text)
        else:
            out.append(re.sub(r"(?<![\\$])\$([^$\n]+?)\$(?!\$)",
                              lambda m: _inline(m.group(1), flavor), text))
    return "".join(out)


# what an aligned block's rows are made of: environments and \left … \right nest, a \\
# (with its spacing, \\[2ex]) outside them ends a row, an & outside them aligns it
TOKENS = r"\\begin\{|\\left(?![A-Za-z])|\\end\{|\\right(?![A-Za-z])|" \
         r"\\\\(?:\[[\d.]+[a-z]+\])?|&"


def aligned_rows(tex: str) -> list[str]:
    """The rows of an aligned display, each a formula of its own on one line (its & marks
    dropped, the matrices inside kept whole); any other display as one line. Hatena sets
    each [tex:…] on one line: a proof of several rows would be one line of thousands of
    characters."""
    tex = " ".join(line.strip() for line in tex.split("\n"))
    match = re.fullmatch(r"\s*\\begin\{aligned\}(.*)\\end\{aligned\}\s*", tex, flags=re.S)
    if match is None:
        return [tex]
    body = match.group(1)
    rows, row, depth, at = [], [], 0, 0
    for token in re.finditer(TOKENS, body):
        text = token.group()
        depth += 1 if text in ("\\begin{", "\\left") else \
            -1 if text in ("\\end{", "\\right") else 0
        if depth or not (text == "&" or text.startswith("\\\\")):
            continue
        row.append(body[at:token.start()])
        at = token.end()
        if text != "&":
            rows.append("".join(row))
            row = []
    rows.append("".join(row) + body[at:])
    return [r.strip() for r in rows if r.strip()]


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
