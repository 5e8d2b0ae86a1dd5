// Drives matcalc's static page (python -m matcalc.web OUT, served on 127.0.0.1) in the
// Debian chromium, offline: any request off the page's own origin is refused and listed.
// Usage: node site.mjs URL SCREENSHOT.png   → a JSON report on stdout
import puppeteer from "puppeteer-core";

const [url, screenshot] = process.argv.slice(2);
const origin = new URL(url).origin;
const browser = await puppeteer.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
});
const report = { outside: [], runs: [] };
try {
  const page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 1000 });
  await page.setRequestInterception(true);
  page.on("request", (request) => {
    const where = request.url();
    if (where.startsWith(origin) || where.startsWith("data:") || where.startsWith("about:")) {
      request.continue();
    } else {
      report.outside.push(where);
      request.abort();
    }
  });
  const start = Date.now();
  await page.goto(url);
  await page.waitForSelector('body[data-state="ready"], body[data-state="failed"]',
                             { timeout: 120000 });
  report.ready_seconds = (Date.now() - start) / 1000;
  report.status = await page.$eval("#status", (e) => e.textContent);

  // one derivation: the inputs set as a user would, the button pressed, the page read
  async function derive(name, { program, example, wrt = "", lang = "en", against = "",
                                kind = "derive", layout = "numerator" }) {
    await page.evaluate(({ program, example, wrt, lang, against, kind, layout }) => {
      const $ = (id) => document.getElementById(id);
      if (example) {
        $("gallery").value = example;
        $("gallery").dispatchEvent(new Event("change"));
      } else {
        $("program").value = program;
        $("gallery").value = "";
      }
      $("wrt").value = wrt;
      $("lang").value = lang;
      window.matcalc.speak(lang);  // the page's words, as the language menu does
      $("against").value = against;
      $("kind").value = kind;
      $("kind").dispatchEvent(new Event("change"));
      $("layout").value = layout;
      document.body.dataset.state = "ready";
    }, { program, example, wrt, lang, against, kind, layout });
    const t0 = Date.now();
    await page.click("#derive");
    await page.waitForSelector('body[data-state="done"]', { timeout: 60000 });
    const seconds = (Date.now() - t0) / 1000;
    const seen = await page.evaluate(() => {
      const $ = (id) => document.getElementById(id);
      return {
        verdict: $("verdict").hidden ? "" : $("verdict").textContent,
        verdict_class: $("verdict").className,
        status: $("status").textContent,
        error: $("error").hidden ? "" : $("error").textContent,
        proof: $("proof").hidden ? "" : $("proof").srcdoc,
        source: $("source").hidden ? "" : $("source").textContent,
        share: $("share").getAttribute("href"),
        button: $("derive").textContent,
      };
    });
    report.runs.push({ name, seconds, since_navigation: (Date.now() - start) / 1000,
                       ...seen });
  }

  await derive("matmul", { program: "A: (m, n)\nB: (n, p)\nC = A @ B", wrt: "A" });
  await derive("mlp", { example: "17_mlp" });
  await derive("matmul ja", { program: "A: (m, n)\nB: (n, p)\nC = A @ B", wrt: "A",
                              lang: "ja" });
  await derive("against", { program: "A: (m, n)\nB: (n, p)\nC = A @ B", wrt: "A",
                            against: "A=dC @ B.T" });
  await derive("against wrong", { program: "A: (m, n)\nB: (n, p)\nC = A @ B", wrt: "A",
                                  against: "A=2 * dC @ B.T" });
  await derive("jacobian", { program: "x: (n,)\nW: (m, n)\ny = W @ x", wrt: "x",
                             kind: "jacobian", layout: "denominator" });
  await derive("hessian by a matrix", { program: "L = trace(X.T @ A @ X)", wrt: "X",
                                        kind: "hessian" });
  await derive("hessian block", { program: "x: (d,)\nb: (c,)\nf = sum(tanh(W.T @ x + b))",
                                  wrt: "W, b", kind: "hessian" });
  await derive("matmul again", { program: "A: (m, n)\nB: (n, p)\nC = A @ B", wrt: "A" });
  // the Markdown tab, for Zenn: $$ blocks as Zenn's parser wants them
  await page.click('#tabs button[data-format="markdown"]');
  await page.select("#flavor", "zenn");
  report.markdown_zenn = await page.$eval("#source", (e) => e.textContent);
  // the program edited but not derived: a tab still shows the derivation it belongs to
  await page.evaluate(() => { document.getElementById("program").value = "x: (n,)\ny = exp(x)"; });
  await page.click('#tabs button[data-format="json"]');  // not opened before
  report.text_after_edit = await page.$eval("#source", (e) => e.textContent);
  await page.evaluate(() => { document.getElementById("program").value = "A: (m, n)\nB: (n, p)\nC = A @ B"; });
  await page.click('#tabs button[data-format="html"]');
  await page.screenshot({ path: screenshot, fullPage: true });
  // every example of the gallery, as the command line runs it (text; --no-check unless
  // CHECKED=1, as the benchmark asks: the check is most of the time)
  const extra = process.env.CHECKED === "1" ? [] : ["--no-check"];
  report.gallery = await page.evaluate(async (extra) => {
    const examples = await (await fetch("gallery.json")).json();
    return examples.map((example) => {
      const answer = window.matcalc.run(["derive", example.program, ...extra]);
      return { name: example.name, seconds: answer.seconds, code: answer.code,
               stdout: answer.stdout, stderr: answer.stderr };
    });
  }, extra);
} finally {
  await browser.close();
}
console.log(JSON.stringify(report));
