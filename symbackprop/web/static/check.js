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
  };

  /* ---- what is being answered ------------------------------------------------------------------- */
  function targetBody() {
    const t = state.target;
    if (!t) return null;
    return t.kind === "part" ? { student: t.student, part: t.part.part } : { network: t.network, wrt: t.wrt };
  }

  function answerText() {
    if (state.inputMode === "math" && state.mathfield) return state.mathfield.value;
    return $("answer-text").value;
  }

  function showQuestion() {
    const host = $("question");
    const t = state.target;
    host.replaceChildren();
    if (!t) { host.append(el("p", { class: "status", text: "Choose a network and a parameter." })); return; }
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
    host.append(el("h3", {}, `Part ${part.part}`, el("span", { class: "points", text: ` · ${part.points} point${part.points === 1 ? "" : "s"}` })));
    if (part.prompt_blocks && part.prompt_blocks.length) host.append(el("div", { class: "prompt" }, blocks(part.prompt_blocks)));
    else host.append(el("p", { class: "prompt", text: part.prompt }));
    if (part.network) {
      const description = el("div", { class: "description" });
      host.append(description);
      api("/api/network", { network: part.network })
        .then((info) => description.replaceChildren(el("p", { class: "hint", text: "Your network:" }), blocks(info.description)))
        .catch(() => description.remove());
    }
    if (!part.checked_here) {
      host.append(el("p", { class: "note", text: "This part is checked by symbackprop grade, not on this page." +
        (state.cfg.recording ? " Your answer is recorded when you submit it." : "") }));
    }
    if (part.conventions && part.conventions.length) {
      host.append(el("p", { class: "hint", text: "Conventions the homework accepts: " + part.conventions.join(", ") +
        ". This page checks with the lecture's (δ = ∂e/∂a, no ½ in e)." }));
    }
  }

  function setTarget(target) {
    state.target = target;
    document.querySelectorAll("#parts button").forEach((button) => {
      button.setAttribute("aria-pressed", String(target.kind === "part" && button.dataset.part === target.part.part));
    });
    showQuestion();
    $("verdict-section").hidden = true;
    schedulePreview(0);
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
    status.textContent = `${reply.parts.length} part${reply.parts.length === 1 ? "" : "s"}: choose one to answer.`;
    for (const part of reply.parts) {
      const button = el("button", { type: "button", "data-part": part.part, "aria-pressed": "false" },
        el("strong", { text: part.part }), ` · ${part.points} pt`, part.checked_here ? null : el("span", { class: "tag", text: "graded later" }));
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
      output.replaceChildren(math(reply.latex, false));
      output.dataset.state = "ok";
    } else if (reply.checked_here === false) {
      output.replaceChildren(el("span", { class: "muted", text: reply.message }));
      output.dataset.state = "none";
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
    not_checked: ["Recorded, checked later", "unsure"],
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
      host.replaceChildren(verdict(reply));
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
    await loadNetwork(picker.network() || cfg.default_network, fromHash ? fromHash.wrt : "");
  }

  document.addEventListener("DOMContentLoaded", start);
})();
