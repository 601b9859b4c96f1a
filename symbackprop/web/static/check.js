/* The Check page: choose what to answer (a network and a parameter, or a part of your homework),
   type the answer (plain text or the math editor), see how the checker reads it, check it. */
"use strict";

(() => {
  const { el, math, blocks, api } = SB;
  const $ = (id) => document.getElementById(id);

  const state = {
    cfg: null,
    target: null,        // {kind: "network", network, wrt} or {kind: "part", student, part}
    networkInfo: null,   // the last /api/network reply
    inputMode: "text",
    mathfield: null,
    previewSerial: 0,
    previewAbort: null,
    previewTimer: null,
    declared: new Set(),  // conventions the student declares (homework parts that accept them)
    recording: false,
  };

  const KIND_LABELS = {
    gradient: "one entry of the gradient", delta: "δ = ∂e/∂a, one entry", dz: "∂e/∂z, one entry",
    vector: "a vector — points per entry", matrix: "a matrix — points per entry", general: "for every layer and neuron",
    value: "a number", yesno: "yes or no, with a counterexample",
  };
  const CONVENTION_NAMES = { lecture: "the lecture's conventions (e without ½, δ = ∂e/∂a)", half_loss: "a ½ in the loss, e = ½ Σ (y − a)²",
                             delta_dz: "δ = ∂e/∂z" };
  const CONVENTION_LABELS = { half_loss: "I use e = ½ Σ (y − a)² (a half in the loss)", delta_dz: "I use δ = ∂e/∂z (not ∂e/∂a)" };

  /* ---- what is being answered ------------------------------------------------------------------- */
  function targetBody() {
    const t = state.target;
    if (!t) return null;
    if (t.kind !== "part") return { network: t.network, wrt: t.wrt };
    const body = { student: t.student, part: t.part.part };
    const declared = (t.part.declarable || []).filter((name) => state.declared.has(name));
    if (declared.length) body.conventions = declared;
    return body;
  }

  function answerText() {
    if (state.inputMode === "math" && state.mathfield) return state.mathfield.value;
    return $("answer-text").value;
  }

  function showQuestion() {
    const host = $("question");
    const t = state.target;
    host.replaceChildren();
    if (!t) {
      host.append(el("p", { class: "status", text: state.cfg && state.cfg.variants
        ? "Type your student id above to load your homework, or practise on a network of your choice."
        : "Choose a network and a parameter." }));
      return;
    }
    if (t.kind === "network") {
      const info = state.networkInfo;
      const parameter = (info.parameters.find((p) => p.name === t.wrt) || { latex: t.wrt }).latex;
      host.append(el("p", {}, "Compute the derivative of the sample-wise loss with respect to one parameter:"));
      host.append(math(String.raw`\frac{\partial e}{\partial ${parameter}} \;=\; ?`, true));
      host.append(el("div", { class: "description" }, blocks(info.description)));
      if (state.cfg.explore) {
        const link = el("a", { href: "/explore" + location.hash, text: "See this network's derivation" });
        host.append(el("p", {}, link, " (forward pass, δ, V, gradients, proof)."));
        $("explore-link").setAttribute("href", "/explore" + location.hash);
      }
      return;
    }
    const part = t.part;
    const points = `${part.points} point${part.points === 1 ? "" : "s"}`;
    host.append(el("h3", {}, `Part ${part.part}`, el("span", { class: "points", text: ` · ${points} · ${KIND_LABELS[part.kind] || part.kind}` })));
    if (part.prompt_blocks && part.prompt_blocks.length) host.append(el("div", { class: "prompt" }, blocks(part.prompt_blocks)));
    else host.append(el("p", { class: "prompt", text: part.prompt }));
    if (part.network) {
      const description = el("div", { class: "description" });
      host.append(description);
      api("/api/network", { network: part.network })
        .then((info) => description.replaceChildren(el("p", { class: "hint", text: "Your network:" }), blocks(info.description)))
        .catch(() => description.remove());
    }
    if (part.shape) {
      const [rows, columns] = part.shape;
      const each = Math.round((part.points / (rows * columns)) * 1000) / 1000;
      host.append(el("p", { class: "hint", text: `The answer is ${rows}×${columns}; each of its ${rows * columns} entries earns ${each} point${each === 1 ? "" : "s"} when proved right.` }));
    }
    if (part.tolerance) host.append(el("p", { class: "hint", text: `A decimal counts when it is within ±${part.tolerance} of the value; an exact expression is decided exactly.` }));
    if (part.step && part.step > 1) {
      host.append(el("p", { class: "hint", text: state.recording
        ? `Step ${part.step} of question ${part.chain}: an answer consistent with your own (recorded) answer to the step before earns part of the points, even if that one was wrong.`
        : `Step ${part.step} of question ${part.chain}.` }));
    }
    host.append(conventionsBox(part));
  }

  /* The conventions a part accepts, and the ones the student declares (kept from part to part). */
  function conventionsBox(part) {
    const box = el("div", { class: "conventions", id: "conventions" });
    if (!(part.declarable || []).length) return box;  // nothing a convention would change here
    const accepted = (part.conventions || []).map((c) => CONVENTION_NAMES[c.name] || c.description);
    box.append(el("p", { class: "hint", text: "This part accepts: " + accepted.join("; ") + "." }));
    for (const name of part.declarable || []) {
      const id = "declare-" + name;
      const input = el("input", { type: "checkbox", id, "data-convention": name });
      input.checked = state.declared.has(name);
      input.addEventListener("change", () => {
        if (input.checked) state.declared.add(name); else state.declared.delete(name);
        schedulePreview(0);
      });
      box.append(el("div", { class: "field check" }, input, el("label", { for: id, text: CONVENTION_LABELS[name] || name })));
    }
    return box;
  }

  function setTarget(target) {
    state.target = target;
    if (target.kind === "part") showPractice(false);
    document.querySelectorAll("#parts button").forEach((button) => {
      button.setAttribute("aria-pressed", String(target.kind === "part" && button.dataset.part === target.part.part));
    });
    showQuestion();
    const part = target.kind === "part" ? target.part : null;
    if (part) $("answer-hint").replaceChildren("How to answer: " + part.answer_form + ". Wrapping it in $…$ is fine.");
    else $("answer-hint").replaceChildren(...defaultHint.map((node) => node.cloneNode(true)));
    $("answer-text").setAttribute("placeholder", part ? PLACEHOLDERS[part.kind] || "" : defaultPlaceholder);
    $("verdict-section").hidden = true;
    schedulePreview(0);
  }

  const defaultPlaceholder = document.getElementById("answer-text") ? document.getElementById("answer-text").getAttribute("placeholder") : "";
  const defaultHint = document.getElementById("answer-hint") ? Array.from(document.getElementById("answer-hint").childNodes).map((n) => n.cloneNode(true)) : [];
  const PLACEHOLDERS = {  // what the field expects, never an answer
    gradient: "your expression for this entry", delta: "your expression for this δ", dz: "your expression for ∂e/∂z",
    vector: "W^ℓ, delta^ℓ, Diag(sigma^ℓ'), … or [e1; e2; …]", matrix: "W^ℓ, delta^ℓ, (a^ℓ)^T, … or [e11, e12; e21, e22]",
    general: "your formula with ℓ, i (and j)", value: "a number, exact or decimal", yesno: "yes / no; p = (…), q = (…), r = (…)",
  };

  /* With homework, practice on a chosen network is folded away until asked for. */
  function showPractice(open) {
    if (!state.cfg || !state.cfg.variants) return;
    $("practice-body").hidden = !open;
    $("practice-toggle").setAttribute("aria-expanded", String(open));
    if (open && state.target && state.target.kind === "part") {
      state.target = null;
      document.querySelectorAll("#parts button").forEach((button) => button.setAttribute("aria-pressed", "false"));
    }
    if (open && !state.networkInfo) loadNetwork(picker.network() || state.cfg.default_network, "");
    else if (open) choseNetwork();
  }

  /* ---- the network picker (free practice) --------------------------------------------------------- */
  let picker = null;
  let networkSerial = 0;

  async function loadNetwork(net, preferredWrt) {
    const serial = ++networkSerial;
    let info;
    try {
      info = await api("/api/network", { network: net });
    } catch (error) {
      if (serial === networkSerial) picker.problem(error.message);
      return;
    }
    if (serial !== networkSerial) return;
    picker.problem("");
    state.networkInfo = info;
    const select = $("wrt");
    const previous = preferredWrt || select.value;
    select.replaceChildren(...info.parameters.map((p) => el("option", { value: p.name, text: p.name })));
    const names = info.parameters.map((p) => p.name);
    const L = info.network.sizes.length - 1;
    select.value = names.includes(previous) ? previous : (names.includes(`b^${L}_1`) ? `b^${L}_1` : names[0]);
    choseNetwork();
  }

  function choseNetwork() {
    const net = picker.network();
    if (!net || !state.networkInfo) return;
    const wrt = $("wrt").value;
    SB.writeHash(state.networkInfo.network, wrt);
    setTarget({ kind: "network", network: state.networkInfo.network, wrt });
  }

  /* ---- a student's homework ------------------------------------------------------------------------ */
  async function loadStudent(event) {
    event.preventDefault();
    const student = $("student-id").value.trim();
    const status = $("student-status");
    const list = $("parts");
    list.replaceChildren();
    if (!student) return;
    status.textContent = "Loading…";
    let reply;
    try {
      reply = await api("/api/questions", { student });
    } catch (error) {
      status.textContent = error.message;
      return;
    }
    state.recording = !!reply.recording;
    const total = reply.parts.reduce((sum, part) => sum + part.points, 0);
    status.textContent = `${reply.parts.length} part${reply.parts.length === 1 ? "" : "s"}, ${total} points: choose one to answer.`;
    for (const part of reply.parts) {
      const button = el("button", { type: "button", "data-part": part.part, "aria-pressed": "false" },
        el("strong", { text: part.part }), ` · ${part.points} pt`);
      button.addEventListener("click", () => setTarget({ kind: "part", student: reply.student, part }));
      list.append(el("li", {}, button));
    }
    if (reply.parts.length) list.querySelector("button").focus();
  }

  /* ---- typing the answer ------------------------------------------------------------------------------ */
  function setMode(mode, focus) {
    state.inputMode = mode;
    $("mode-text").setAttribute("aria-pressed", String(mode === "text"));
    $("mode-math").setAttribute("aria-pressed", String(mode === "math"));
    $("answer-text").hidden = mode !== "text";
    $("answer-math-host").hidden = mode !== "math";
    $("answer-hint").hidden = mode !== "text";
    $("math-hint").hidden = mode !== "math";
    if (mode === "math" && !state.mathfield) createMathfield();
    const field = mode === "math" ? state.mathfield : $("answer-text");
    if (focus !== false && field) field.focus();
    try { localStorage.setItem("symbackprop-input", mode); } catch (error) { /* private mode */ }
    schedulePreview(0);
  }

  function createMathfield() {
    if (!window.MathfieldElement) {
      $("answer-math-host").append(el("p", { class: "problem", text: "The math editor could not be loaded; use plain text." }));
      return;
    }
    MathfieldElement.fontsDirectory = "/static/vendor/katex/fonts/";
    MathfieldElement.soundsDirectory = null;
    const field = new MathfieldElement();
    field.id = "answer-math";
    field.setAttribute("aria-label", "Your answer in the math editor");
    field.setAttribute("aria-describedby", "math-hint");
    field.smartFence = true;
    field.addEventListener("input", () => schedulePreview());
    field.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); check(); }
    });
    $("answer-math-host").append(field);
    state.mathfield = field;
  }

  function schedulePreview(delay) {
    clearTimeout(state.previewTimer);
    state.previewTimer = setTimeout(preview, delay === undefined ? 250 : delay);
  }

  async function preview() {
    const output = $("preview");
    const answer = answerText();
    const body = targetBody();
    if (state.previewAbort) state.previewAbort.abort();
    if (!answer.trim() || !body) { output.replaceChildren(el("span", { class: "muted", text: "(nothing typed yet)" })); return; }
    const serial = ++state.previewSerial;
    const abort = new AbortController();
    state.previewAbort = abort;
    $("preview-box").classList.add("busy");
    let reply;
    try {
      reply = await api("/api/preview", Object.assign(body, { answer }), abort.signal);
    } catch (error) {
      if (error.name === "AbortError" || serial !== state.previewSerial) return;
      $("preview-box").classList.remove("busy");
      output.replaceChildren(el("span", { class: "problem", text: error.message }));
      return;
    }
    if (serial !== state.previewSerial) return;
    $("preview-box").classList.remove("busy");
    if (reply.ok) {
      output.replaceChildren(math(reply.latex, false), reply.note ? el("span", { class: "preview-note", text: reply.note }) : "");
      output.dataset.state = "ok";
    } else {
      output.replaceChildren(el("span", { class: "problem", text: reply.message || "not valid notation" }),
        reply.position !== null && reply.position !== undefined ? pointer(answer, reply.position) : "");
      output.dataset.state = "error";
    }
  }

  function pointer(answer, position) {
    const at = Math.min(position, answer.length);
    return el("code", { class: "pointer" }, answer.slice(0, at), el("mark", { text: answer.slice(at, at + 1) || " " }), answer.slice(at + 1));
  }

  /* ---- checking ------------------------------------------------------------------------------------------- */
  const TITLES = {
    correct: ["✓ Correct", "good"],
    agrees_numerically: ["≈ Agrees at random points (not a proof)", "unsure"],
    wrong: ["✗ Wrong", "bad"],
    syntax_error: ["Not valid notation", "bad"],
    undecided: ["Undecided", "unsure"],
    error: ["Could not be checked", "unsure"],
    partial: ["◐ Partly right", "unsure"],
    missing: ["No answer", "unsure"],
  };

  function number(value) {
    if (value === null || value === undefined) return "—";
    return Math.abs(value) >= 1e-4 && Math.abs(value) < 1e6 ? String(Number(value.toPrecision(6))) : value.toExponential(5);
  }

  async function check(event) {
    if (event) event.preventDefault();
    const body = targetBody();
    const answer = answerText();
    if (!body) return;
    const button = $("check-button");
    button.disabled = true;
    button.textContent = "Checking…";
    const section = $("verdict-section");
    const host = $("verdict");
    try {
      const reply = await api("/api/check", Object.assign(body, { answer }));
      host.replaceChildren(reply.part ? partVerdict(reply) : verdict(reply));
    } catch (error) {
      host.replaceChildren(el("p", { class: "verdict-title bad", role: "alert", text: error.message }));
    } finally {
      button.disabled = false;
      button.textContent = "Check";
      section.hidden = false;
      section.scrollIntoView({ block: "nearest", behavior: "smooth" });
    }
  }

  function verdict(reply) {
    const [title, tone] = TITLES[reply.verdict] || [reply.verdict, "unsure"];
    const fragment = document.createDocumentFragment();
    fragment.append(el("p", { class: "verdict-title " + tone, id: "verdict-title", "data-verdict": reply.verdict, text: title }));
    if (reply.decided_by) fragment.append(el("p", { class: "hint", text: "Decided by: " + reply.decided_by + "." }));
    if (reply.answer_latex) fragment.append(el("p", {}, "Your answer, as read: ", math(reply.answer_latex, false)));
    const mistake = reply.mistake;
    if (mistake) {
      fragment.append(el("h3", { text: "Likely mistake" }));
      fragment.append(el("p", { class: "mistake", text: mistake.label }));
      fragment.append(el("p", {}, "Your answer equals ", math(mistake.answer_equals_latex, false),
        mistake.exact ? " exactly." : " at every random point (numerically)."));
      fragment.append(el("p", { text: mistake.explanation }));
    } else if (reply.verdict === "wrong") {
      fragment.append(el("p", { text: "None of the typical mistakes (a missing φ′, the sign, a factor 2, a wrong index, transpose or layer, an extra activation) reproduces your answer." }));
    }
    const example = reply.counterexample;
    if (example) {
      fragment.append(el("h3", { text: "Counterexample" }));
      const answerValue = example.answer !== null ? number(example.answer) : (example.answer_note || "undefined");
      fragment.append(el("p", {}, "At the values below your answer is ", el("strong", { text: answerValue }),
        ", but the derivative is ", el("strong", { text: number(example.expected) }), "."));
      if (example.phi) fragment.append(el("p", { class: "hint", text: `φ is generic here; the numbers use φ = ${example.phi}.` }));
      const items = example.values.map((item) => el("div", { class: "value" }, el("dt", {}, math(item.latex, false)), el("dd", { text: number(item.value) })));
      fragment.append(el("dl", { class: "values", "aria-label": "values of the counterexample" }, ...items));
    }
    if (!mistake && !example && reply.verdict !== "correct" && reply.message) {
      fragment.append(el("p", { text: reply.message }));
      if (reply.position !== null && reply.position !== undefined) fragment.append(el("p", {}, pointer(answerText(), reply.position)));
    }
    for (const note of reply.notes || []) fragment.append(el("p", { class: "note", text: "Note: " + note }));
    if (reply.recorded) fragment.append(el("p", { class: "hint", text: "Your answer was recorded." }));
    return fragment;
  }

  const ENTRY_MARKS = { correct: ["✓", "right"], wrong: ["✗", "wrong"], timeout: ["?", "undecided"] };

  /* The verdict on an answer to a homework part: points, each entry's credit, the proved mistake, feedback. */
  function partVerdict(reply) {
    const [title, tone] = TITLES[reply.verdict] || [reply.verdict, "unsure"];
    const fragment = document.createDocumentFragment();
    fragment.append(el("p", { class: "verdict-title " + tone, id: "verdict-title", "data-verdict": reply.verdict, text: title }));
    fragment.append(el("p", { class: "score", id: "verdict-points" }, el("strong", { text: String(reply.points) }), ` of ${reply.max_points} point${reply.max_points === 1 ? "" : "s"}`));
    if (reply.entries && reply.entries.length && reply.shape) {
      const [rows, columns] = reply.shape;
      const table = el("table", { class: "entries", id: "entries" });
      table.append(el("caption", { text: `Entry by entry (${reply.entries.filter((e) => e.status === "correct").length} of ${rows * columns} proved right)` }));
      const body = el("tbody");
      for (let row = 0; row < rows; row++) {
        const tr = el("tr");
        for (let column = 0; column < columns; column++) {
          const entry = reply.entries[row * columns + column];
          const [mark, word] = ENTRY_MARKS[entry.status] || ["?", entry.status];
          tr.append(el("td", { class: "entry " + word, "data-status": entry.status, title: `${entry.name}: ${word}` },
            el("span", { class: "entry-mark", "aria-label": word, text: mark }), " ", math(entry.latex, false),
            el("span", { class: "entry-points", text: `${entry.points} pt` })));
        }
        body.append(tr);
      }
      table.append(body);
      fragment.append(el("div", { class: "entries-scroll" }, table));
    }
    if (reply.mistake) {
      fragment.append(el("h3", { text: "Named mistake (proved)" }));
      fragment.append(el("p", { class: "mistake", id: "verdict-mistake", text: reply.mistake.label }));
    }
    if (reply.message) fragment.append(el("p", { class: "feedback", id: "verdict-message", text: reply.message }));
    if (reply.position !== null && reply.position !== undefined) fragment.append(el("p", {}, pointer(answerText(), reply.position)));
    const conventions = reply.conventions || {};
    if (conventions.read_with && conventions.read_with !== "lecture") {
      const names = conventions.read_with.split("+").map((name) => CONVENTION_NAMES[name] || name);
      fragment.append(el("p", { class: "hint", text: "Read with the convention you declared: " + names.join(" and ") + "." }));
    }
    for (const note of reply.notes || []) fragment.append(el("p", { class: "note", text: "Note: " + note }));
    if (reply.recorded) fragment.append(el("p", { class: "hint", text: "Your answer was recorded; your latest answer to each part is the one graded." }));
    return fragment;
  }

  /* ---- start ------------------------------------------------------------------------------------------------ */
  async function start() {
    let cfg;
    try {
      cfg = state.cfg = await SB.config();
    } catch (error) {
      $("question").replaceChildren(el("p", { class: "problem", text: error.message }));
      return;
    }
    picker = SB.networkPicker($("network-form"), cfg, (net) => loadNetwork(net), "net");
    const fromHash = SB.readHash();
    picker.set(fromHash ? fromHash.network : cfg.default_network);
    $("wrt").addEventListener("change", choseNetwork);
    if (cfg.variants) {
      $("student-section").hidden = false;
      $("network-heading").textContent = "Or practise on any network";
      $("student-form").addEventListener("submit", loadStudent);
      $("practice-toggle").hidden = false;
      $("practice-toggle").addEventListener("click", () => showPractice($("practice-toggle").getAttribute("aria-expanded") !== "true"));
    }
    if (!cfg.explore) $("explore-link").hidden = true;
    $("footer-record").textContent = cfg.recording ? "Checked answers are recorded for your instructor." : "";
    $("answer-text").addEventListener("input", () => schedulePreview());
    $("answer-form").addEventListener("submit", check);
    $("mode-text").addEventListener("click", () => setMode("text"));
    $("mode-math").addEventListener("click", () => setMode("math"));
    let saved = "text";
    try { saved = localStorage.getItem("symbackprop-input") || "text"; } catch (error) { /* private mode */ }
    if (saved === "math") setMode("math", false);
    if (cfg.variants && !fromHash) {  // homework first; practice when asked for (or linked to)
      $("practice-body").hidden = true;
      $("practice-toggle").setAttribute("aria-expanded", "false");
      showQuestion();
      return;
    }
    await loadNetwork(picker.network() || cfg.default_network, fromHash ? fromHash.wrt : "");
  }

  document.addEventListener("DOMContentLoaded", start);
})();
