// Render TeX with KaTeX (as Zenn does) and MathJax 3 (as Qiita does), throwing on any error.
// stdin: a JSON array of TeX strings (display math). stdout: a JSON array of
// {index, engine, message} for every formula an engine refused.
const katex = require("katex");
const { mathjax } = require("mathjax-full/js/mathjax.js");
const { TeX } = require("mathjax-full/js/input/tex.js");
const { SVG } = require("mathjax-full/js/output/svg.js");
const { liteAdaptor } = require("mathjax-full/js/adaptors/liteAdaptor.js");
const { RegisterHTMLHandler } = require("mathjax-full/js/handlers/html.js");
require("mathjax-full/js/input/tex/base/BaseConfiguration.js");
require("mathjax-full/js/input/tex/ams/AmsConfiguration.js");
// \boldsymbol (bold Greek matrices: Σ): MathJax 3's browser components autoload it, and
// MathJax 2's TeX-AMS configurations (Qiita, Hatena) include it
require("mathjax-full/js/input/tex/boldsymbol/BoldsymbolConfiguration.js");

const adaptor = liteAdaptor();
RegisterHTMLHandler(adaptor);
const tex = new TeX({
  packages: ["base", "ams", "boldsymbol"],
  formatError: (jax, err) => { throw err; },
});
const doc = mathjax.document("", { InputJax: tex, OutputJax: new SVG({ fontCache: "none" }) });

let input = "";
process.stdin.on("data", (chunk) => { input += chunk; });
process.stdin.on("end", () => {
  const formulas = JSON.parse(input);
  const errors = [];
  formulas.forEach((formula, index) => {
    try {
      katex.renderToString(formula, { displayMode: true, throwOnError: true });
    } catch (err) {
      errors.push({ index, engine: "katex", message: String(err.message || err) });
    }
    try {
      doc.convert(formula, { display: true });
    } catch (err) {
      errors.push({ index, engine: "mathjax", message: String(err.message || err) });
    }
  });
  process.stdout.write(JSON.stringify(errors));
});
