// The TeX that reaches a site's math engine: each Markdown is parsed as the site parses it
// (Zenn: zenn-markdown-html, its own published parser; Qiita, GitHub and Hatena, whose
// parsers are not published: CommonMark, by markdown-it, with raw HTML allowed as the sites
// allow it), and the formulas are read back out of the HTML.
// stdin: [{flavor, markdown}, ...]; stdout: [{display: [tex...], inline: [tex...]}, ...]
import zenn from "zenn-markdown-html";
import MarkdownIt from "markdown-it";

const unescape = (s) => s.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"')
  .replace(/&#39;/g, "'").replace(/&amp;/g, "&");
const all = (re, s) => [...s.matchAll(re)].map((m) => unescape(m[1]).trim());

let input = "";
process.stdin.on("data", (c) => { input += c; });
process.stdin.on("end", async () => {
  const out = [];
  const md = new MarkdownIt({ html: true });
  // [tex:…] ends at the first ] that is not written \]
  const tex = (s) => all(/\[tex:((?:\\\]|[^\]])*)\]/g, s).map((t) => t.replace(/\\\]/g, "]"));
  for (const { flavor, markdown } of JSON.parse(input)) {
    if (flavor === "zenn") {
      const html = await (zenn.default || zenn)(markdown);
      out.push({
        display: all(/<embed-katex display-mode="1">([\s\S]*?)<\/embed-katex>/g, html),
        inline: all(/<eq class="zenn-katex">([\s\S]*?)<\/eq>/g, html),
      });
      continue;
    }
    const html = md.render(markdown);
    if (flavor === "hatena") {
      const blocks = [...html.matchAll(/<div>([\s\S]*?)<\/div>/g)].map((m) => m[1]);
      const prose = html.replace(/<div>[\s\S]*?<\/div>/g, "").replace(/<pre>[\s\S]*?<\/pre>/g, "");
      out.push({
        display: blocks.flatMap(tex).map((t) => t.replace(/^\\displaystyle /, "")),
        inline: tex(unescape(prose.replace(/<[^>]+>/g, ""))),
      });
      continue;
    }
    const display = all(/<pre><code class="language-math">([\s\S]*?)<\/code><\/pre>/g, html);
    const prose = html.replace(/<pre>[\s\S]*?<\/pre>/g, "");
    const inline = flavor === "github"
      ? all(/\$<code>([\s\S]*?)<\/code>\$/g, prose)
      : all(/\$([^$]+?)\$/g, prose.replace(/<[^>]+>/g, ""));
    out.push({ display, inline });
  }
  process.stdout.write(JSON.stringify(out));
});
