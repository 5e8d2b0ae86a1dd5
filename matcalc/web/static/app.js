// matcalc's page: Pyodide runs matcalc's own command line in the page (matcalc.web.page);
// every file comes from this folder, nothing from elsewhere.
import { loadPyodide } from "./pyodide/pyodide.mjs";

const $ = (id) => document.getElementById(id);
// the page's own words; the proof's are matcalc's (--lang)
const WORDS = {
  ja: {
    intro: "添字についての連鎖律で勾配を導き、すべての段階を示す。このページの中で動く" +
           "（WebAssembly の Python）：何もどこへも送らない。",
    example: "例", own: "— 自分のプログラム —", program: "プログラム", language: "言語",
    steps: "手順", expand: "成分ごとに書く", against: "手計算の numpy と照合",
    derive: "導出する", proof: "証明", text: "テキスト", graph: "グラフ", copy: "コピー",
    kind: "求めるもの", gradient: "勾配", jacobian: "ヤコビ行列", hessian: "ヘッセ行列",
    layout: "レイアウト", vec: "vec が積むもの", flavor: "掲載先",
    share: "このプログラムへのリンク",
  },
};
// the page's status lines (N: a number of seconds)
const STATUS = {
  en: { loading: "Loading Python (WebAssembly)…", installing: "Installing matcalc and SymPy…",
        starting: "Starting matcalc…", ready: "Ready (N s).", deriving: "Deriving…",
        done: "Done in N s.", copied: "Copied.",
        graph: "Graphviz does not run in the page: paste this DOT text into any Graphviz " +
               "viewer, or run `matcalc graph -f svg` on your machine.",
        failed: "matcalc could not start in this browser: " },
  ja: { loading: "Python（WebAssembly）を読み込み中…", installing: "matcalc と SymPy を導入中…",
        starting: "matcalc を起動中…", ready: "準備完了（N 秒）。", deriving: "導出中…",
        done: "N 秒で完了。", copied: "コピーした。",
        graph: "このページでは Graphviz は動かない：この DOT を Graphviz のビューアに貼るか、" +
               "手元で `matcalc graph -f svg` を実行する。",
        failed: "このブラウザでは matcalc を起動できなかった：" },
};
function said(key, seconds) {  // a status line in the page's language
  const text = (STATUS[$("lang").value] || STATUS.en)[key];
  return seconds === undefined ? text : text.replace("N", seconds.toFixed(key === "done" ? 2 : 1));
}
const ENGLISH = {};
for (const element of document.querySelectorAll("[data-text]")) {
  ENGLISH[element.dataset.text] = element.textContent;
}
function speak(lang) {
  const words = WORDS[lang] || ENGLISH;
  for (const element of document.querySelectorAll("[data-text]")) {
    element.textContent = words[element.dataset.text] || ENGLISH[element.dataset.text];
  }
  document.documentElement.lang = lang;
}
const state = { format: "html", outputs: {}, args: null };
let respond = null;

function setStatus(text, step) {
  $("status").textContent = text;
  if (step !== undefined) $("progress").value = step;
}

async function start() {
  const t0 = performance.now();
  setStatus(said("loading"), 1);
  // the wheels download while Python starts
  const downloads = fetch("wheels.json").then((r) => r.json()).then((wheels) => Promise.all(
    wheels.map(async (name) => (await fetch("wheels/" + name)).arrayBuffer())));
  const [pyodide, buffers] = await Promise.all([
    loadPyodide({ indexURL: new URL("pyodide/", location.href).href }), downloads]);
  setStatus(said("installing"), 2);
  buffers.forEach((buffer) => pyodide.unpackArchive(buffer, "wheel"));
  setStatus(said("starting"), 3);
  pyodide.runPython("from matcalc.web.page import respond, warm\nwarm()");
  respond = pyodide.globals.get("respond");
  window.matcalc = { run, speak };  // for a script that drives the page
  await loadGallery();
  $("progress").hidden = true;
  $("derive").disabled = false;
  setStatus(said("ready", (performance.now() - t0) / 1000), 4);
  document.body.dataset.state = "ready";
  if (readLink()) await derive();
}

async function loadGallery() {
  const examples = await (await fetch("gallery.json")).json();
  for (const example of examples) {
    const option = document.createElement("option");
    option.value = example.name;
    option.textContent = example.title;
    option.dataset.program = example.program;
    $("gallery").append(option);
  }
  $("program").addEventListener("input", () => { $("gallery").value = ""; });
  $("gallery").addEventListener("change", () => {
    const chosen = $("gallery").selectedOptions[0];
    if (chosen.value) {
      $("program").value = chosen.dataset.program;
      $("wrt").value = "";  // the example's own '# wrt:' line says it
    }
  });
}

// the inputs as they were when Derive was pressed: every tab shows that derivation, even
// after the fields are edited (until Derive is pressed again)
function inputs() {
  const read = (id) => $(id).value;
  return { program: read("program"), kind: read("kind"), lang: read("lang"),
           steps: read("steps"), wrt: read("wrt"), layout: read("layout"), vec: read("vec"),
           expand: $("expand").checked, against: read("against").trim() };
}

// the command line's arguments for those inputs, in the given format
function argsFor(format, given = state.inputs) {
  const { program, kind, lang, steps, wrt, layout, vec, expand, against } = given;
  if (format === "graph") return ["graph", program];
  // kind: derive (gradients), jacobian or hessian
  const args = [kind, program, "--lang", lang, "--steps", steps];
  const names = wrt.split(",").map((s) => s.trim()).filter(Boolean);
  if (kind === "derive") {
    for (const name of names) args.push("--wrt", name);
  } else if (names.length) {
    args.push("--wrt", names.join(","));  // a Hessian's block W,b; a Jacobian refuses two
  }
  if (kind !== "derive") args.push("--layout", layout, "--vec", vec);
  if (expand) args.push("--expand");
  if (kind === "derive" && against) {
    args.push("--against", against);
  }
  if (format !== "text") args.push("--format", format);
  if (format === "markdown" && $("flavor").value) args.push("--flavor", $("flavor").value);
  return args;
}

function run(args) {
  const t0 = performance.now();
  const answer = JSON.parse(respond(JSON.stringify(args)));
  answer.seconds = (performance.now() - t0) / 1000;
  return answer;
}

async function derive() {
  document.body.dataset.state = "busy";
  setStatus(said("deriving"));
  await new Promise((r) => setTimeout(r, 0));  // let the status paint
  state.outputs = {};
  state.inputs = inputs();
  const text = run(argsFor("text"));
  state.outputs.text = text;
  showVerdict(text);
  writeLink();
  await show(state.format);
  setStatus(said("done", text.seconds));
  document.body.dataset.state = "done";
}

function showVerdict(answer) {
  const error = answer.stderr.trim();
  $("error").hidden = !error;
  $("error").textContent = error;
  const lines = answer.stdout.trim().split("\n");
  const last = lines[lines.length - 1] || "";
  let verdict = /verified|未検証|検証|agrees|disagrees|一致/.test(last) ? last : "";
  // --against: its headline (right: …, wrong: …), wherever its block ends
  const judged = lines.find((line) => /^(right: |wrong: |一致：|不一致：)/.test(line));
  if (judged) verdict = judged;
  // the command's own line, said of this page: the check ran here, in the browser
  const points = /at (\d+) random points/.exec(verdict) || /(\d+) 組の乱数入力/.exec(verdict);
  if (points && /^verified:/.test(verdict)) {
    verdict = `✓ verified in your browser on ${points[1]} random points: ` +
              verdict.slice("verified: ".length).replace(/ at \d+ random points$/, "");
  } else if (points && /^検証済み：/.test(verdict)) {
    verdict = `✓ このブラウザの中で ${points[1]} 組の乱数入力について検証済み：` +
              verdict.slice("検証済み：".length).replace(/^\d+ 組の乱数入力で、/, "");
  }
  $("verdict").hidden = !verdict;
  $("verdict").textContent = verdict;
  $("verdict").className = /^(not verified|未検証)/.test(verdict) ? "unverified"
    : /^(wrong: |不一致：)/.test(verdict) ? "wrong" : "";
}

async function show(format) {
  state.format = format;
  for (const tab of $("tabs").children) {
    tab.setAttribute("aria-selected", String(tab.dataset.format === format));
  }
  $("flavor-label").hidden = format !== "markdown";
  let answer = state.outputs[format];
  if (!answer && state.outputs.text) {
    answer = state.outputs[format] = run(argsFor(format));
  }
  if (!answer) return;
  const html = format === "html" && answer.code === 0 && !state.inputs.against;
  $("proof").hidden = !html;
  $("source").hidden = html;
  $("copy").hidden = html || !answer.stdout;
  if (html) {
    $("proof").srcdoc = answer.stdout;
  } else {
    $("source").textContent = answer.stdout || answer.stderr;
    if (format === "graph" && answer.code === 0) {  // (not in the text Copy copies)
      setStatus(said("graph"));
    }
  }
}

function writeLink() {
  const params = new URLSearchParams();
  params.set("program", $("program").value);
  for (const id of ["kind", "wrt", "layout", "vec", "lang", "steps", "against"]) {
    if ($(id).value) params.set(id, $(id).value);
  }
  if ($("expand").checked) params.set("expand", "1");
  $("share").href = "#" + params.toString();
}

function readLink() {
  if (location.hash.length < 2) return false;
  const params = new URLSearchParams(location.hash.slice(1));
  if (!params.get("program")) return false;
  $("program").value = params.get("program");
  for (const id of ["kind", "wrt", "layout", "vec", "lang", "steps", "against"]) {
    if (params.get(id)) $(id).value = params.get(id);
  }
  showLayout();
  $("expand").checked = params.get("expand") === "1";
  speak($("lang").value);
  return true;
}

function showLayout() {  // a Jacobian's or a Hessian's layout; --against is a gradient's
  const kind = $("kind").value;
  $("layout-label").hidden = kind === "derive";
  $("vec-label").hidden = kind === "derive";  // by a matrix: what vec stacks
  $("against").disabled = kind !== "derive";
}
$("kind").addEventListener("change", showLayout);
$("flavor").addEventListener("change", () => {  // the Markdown again, for that site
  delete state.outputs.markdown;
  show("markdown");
});
$("derive").addEventListener("click", derive);
$("program").addEventListener("keydown", (event) => {
  if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && respond) derive();
});
for (const tab of $("tabs").children) {
  tab.addEventListener("click", () => show(tab.dataset.format));
}
$("copy").addEventListener("click", async () => {
  await navigator.clipboard.writeText($("source").textContent);
  setStatus(said("copied"));
});
$("lang").addEventListener("change", () => {
  speak($("lang").value);
  if (state.outputs.text) derive();
});

start().catch((error) => {
  setStatus("");
  $("error").hidden = false;
  $("error").textContent = said("failed") + error;
  document.body.dataset.state = "failed";
});
