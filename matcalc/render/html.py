"""``--format html``: one self-contained page that works offline — the Markdown output with
its formulas turned into MathML (which browsers render natively: no script, no CDN), its
code in <pre> blocks, and a style sheet of its own.

The Markdown is matcalc's own (a handful of constructs: ``$$`` blocks, inline ``$…$``,
code fences, ``###`` headings, inline code), so a small reader suffices; the formulas go
through ``latex2mathml``.
"""

from __future__ import annotations

import html
import re

STYLE = """
body { font-family: "DejaVu Sans", system-ui, sans-serif; max-width: 62rem; margin: 2rem auto;
       padding: 0 1rem; line-height: 1.5; color: #1a1a1a; }
h1 { font-size: 1.4rem; } h3 { font-size: 1.1rem; margin-top: 2rem; }
pre { background: #f5f5f5; padding: 0.75rem 1rem; overflow-x: auto; border-radius: 4px; }
code { font-family: "DejaVu Sans Mono", monospace; font-size: 0.9em; }
math[display="block"] { display: block; margin: 0.5rem 0; padding: 0.5rem 0;
                        overflow-x: auto; overflow-y: hidden; }
mtd:nth-child(odd) { text-align: right; } mtd:nth-child(even) { text-align: left; }
.verified { color: #1b7837; }
"""


def page(markdown: str, title: str, lang: str = "en") -> str:
    """The HTML page of a Markdown output."""
    body = []
    for kind, text in _blocks(markdown):
        if kind == "math":
            body.append(mathml(text, block=True))
        elif kind == "code":
            body.append(f"<pre><code>{html.escape(text)}</code></pre>")
        elif text.startswith("#"):
            level = min(len(text) - len(text.lstrip("#")), 6)
            body.append(f"<h{level}>{_inline(text.lstrip('#').strip())}</h{level}>")
        elif text.strip():
            css = ' class="verified"' if text.lower().startswith(("verified", "検証済み")) \
                else ""
            body.append(f"<p{css}>{_inline(text)}</p>")
    return ("<!DOCTYPE html>\n"
            f'<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
            f"<title>{html.escape(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
            f"<h1>{html.escape(title)}</h1>\n" + "\n".join(body) + "\n</body>\n</html>\n")


def mathml(tex: str, block: bool) -> str:
    """MathML of a formula: aligned rows as a table (align*), row spacing dropped."""
    from latex2mathml.converter import convert
    tex = re.sub(r"\\\\\[\d+(?:\.\d+)?ex\]", r"\\\\", tex)
    tex = tex.replace(r"\begin{aligned}", r"\begin{align*}") \
        .replace(r"\end{aligned}", r"\end{align*}")
    shown = convert(tex, display="block" if block else "inline")
    shown = re.sub(r'<(mi|mn|mo|mtext) mathvariant="(bold|bold-italic)">([^<]*)</\1>',
                   lambda m: f"<{m[1]}>{_bold(html.unescape(m[3]), m[2])}</{m[1]}>", shown)
    # ∵ opens a reason, (∵ only the terms …): a space before the words it gives
    return shown.replace("<mo>&#x02235;</mo>", '<mo lspace="0em" rspace="0.2778em">'
                                               "&#x02235;</mo>")


# browsers render MathML Core, which draws mathvariant="normal" only: a bold symbol is
# written with the bold letters of Unicode's mathematical alphabets instead (𝟏, 𝚽, 𝐀)
BOLD = {"bold": [("A", 0x1D400, 26), ("a", 0x1D41A, 26), ("0", 0x1D7CE, 10),
                 ("Α", 0x1D6A8, 25), ("α", 0x1D6C2, 25)],
        "bold-italic": [("A", 0x1D468, 26), ("a", 0x1D482, 26), ("0", 0x1D7CE, 10),
                        ("Α", 0x1D71C, 25), ("α", 0x1D736, 25)]}


def _bold(text: str, variant: str) -> str:
    out = []
    for c in text:
        for first, start, count in BOLD[variant]:
            if 0 <= ord(c) - ord(first) < count:
                c = chr(start + ord(c) - ord(first))
                break
        out.append(c)
    return "".join(out)


def _blocks(markdown: str):
    """("math", tex), ("code", text) and ("text", paragraph) in order."""
    lines = markdown.splitlines()
    k = 0
    paragraph: list[str] = []

    def flush():
        if paragraph:
            yield "text", " ".join(paragraph)
            paragraph.clear()
    while k < len(lines):
        line = lines[k]
        if line.strip() == "$$" or line.startswith("```"):
            yield from flush()
            fence = "$$" if line.strip() == "$$" else "```"
            end = k + 1
            while end < len(lines) and not lines[end].startswith(fence):
                end += 1
            yield ("math" if fence == "$$" else "code"), "\n".join(lines[k + 1:end])
            k = end + 1
            continue
        if not line.strip() or line.startswith("#"):
            yield from flush()
            if line.startswith("#"):
                yield "text", line
        else:
            paragraph.append(line)
        k += 1
    yield from flush()


def _inline(text: str) -> str:
    """Inline code and inline $…$ math in a line of text; the rest escaped."""
    out = []
    for part in re.split(r"(`[^`]*`|\$[^$]+\$)", text):
        if part.startswith("`") and part.endswith("`") and len(part) > 1:
            out.append(f"<code>{html.escape(part[1:-1])}</code>")
        elif part.startswith("$") and part.endswith("$") and len(part) > 1:
            out.append(mathml(part[1:-1], block=False))
        else:
            out.append(html.escape(part))
    return "".join(out)
