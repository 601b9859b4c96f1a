/* symbackprop serve: what both pages share — rendering math and document blocks, calling the API,
   and the network picker.  Text always goes in as text (textContent), math through KaTeX with
   trust off, so nothing a server or a student sends is ever interpreted as HTML. */
"use strict";

const SB = (() => {
  let macros = {};

  function el(tag, attributes, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attributes || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "class") node.className = value;
      else if (key === "text") node.textContent = value;
      else node.setAttribute(key, value === true ? "" : String(value));
    }
    for (const child of children) {
      if (child === null || child === undefined) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function math(tex, display) {
    const node = el(display ? "div" : "span", { class: display ? "math display" : "math" });
    if (window.katex) {
      katex.render(tex, node, {
        displayMode: !!display, throwOnError: false, trust: false, strict: "ignore",
        macros: Object.assign({}, macros), maxSize: 20, maxExpand: 2000, output: "htmlAndMathml",
      });
    } else {
      node.textContent = tex;
    }
    return node;
  }

  function segments(list) {
    const fragment = document.createDocumentFragment();
    for (const segment of list) {
      if ("text" in segment) fragment.append(document.createTextNode(segment.text));
      else if ("math" in segment) fragment.append(math(segment.math, false));
      else if ("bold" in segment) fragment.append(el("strong", {}, segments(segment.bold)));
      else if ("italic" in segment) fragment.append(el("em", {}, segments(segment.italic)));
      else if ("code" in segment) fragment.append(el("code", {}, segments(segment.code)));
    }
    return fragment;
  }

  /* Blocks from the server (headings, paragraphs, display math); headingLevel for headings. */
  function blocks(list, headingLevel) {
    const fragment = document.createDocumentFragment();
    for (const block of list) {
      if (block.type === "heading") fragment.append(el("h" + (headingLevel || 3), {}, segments(block.segments)));
      else if (block.type === "paragraph") fragment.append(el("p", {}, segments(block.segments)));
      else if (block.type === "math") {
        const box = el("div", { class: "math-scroll", tabindex: "0", role: "group", "aria-label": "formula (scrolls sideways)" });
        box.append(math(block.tex, true));
        fragment.append(box);
      }
    }
    return fragment;
  }

  async function api(path, body, signal) {
    const options = body === undefined
      ? { method: "GET", signal }
      : { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body), signal };
    let response;
    try {
      response = await fetch(path, options);
    } catch (error) {
      if (error.name === "AbortError") throw error;
      throw new Error("the server cannot be reached (is symbackprop serve still running?)");
    }
    let data = null;
    try { data = await response.json(); } catch (error) { data = null; }
    if (!response.ok) {
      const message = data && data.error ? data.error : "the server answered " + response.status;
      const failure = new Error(message);
      failure.status = response.status;
      throw failure;
    }
    return data;
  }

  let configPromise = null;
  function config() {
    if (!configPromise) {
      configPromise = api("/api/config").then((value) => { macros = value.macros || {}; return value; });
    }
    return configPromise;
  }

  /* ---- the network picker ------------------------------------------------------------------------ */
  const LABELS = { phi: "φ (generic)", sigmoid: "σ (sigmoid)", tanh: "tanh", relu: "ReLU", identity: "identity",
                   softmax: "softmax", squared: "squared error", cross_entropy: "cross-entropy", kl: "KL divergence",
                   logistic: "logistic" };

  function options(select, values, selected, extra) {
    select.replaceChildren();
    if (extra) select.append(el("option", { value: extra[0], text: extra[1] }));
    for (const value of values) select.append(el("option", { value, text: LABELS[value] || value }));
    select.value = selected === null || selected === undefined ? (extra ? extra[0] : values[0]) : selected;
  }

  function parseSizes(text) {
    const parts = text.split(/[\s,]+/).filter(Boolean);
    if (!parts.length || !parts.every((part) => /^\d+$/.test(part))) return null;
    return parts.map(Number);
  }

  /* Builds the fields into `host`; onChange(network) after a valid edit.  Returns {network(), set()}. */
  function networkPicker(host, cfg, onChange, idPrefix) {
    const id = (name) => (idPrefix || "net") + "-" + name;
    const sizes = el("input", { id: id("sizes"), type: "text", inputmode: "numeric", autocomplete: "off", spellcheck: "false",
                                "aria-describedby": id("sizes-hint") });
    const activation = el("select", { id: id("activation") });
    const output = el("select", { id: id("output") });
    const loss = el("select", { id: id("loss") });
    const bias = el("input", { id: id("bias"), type: "checkbox" });
    const hint = el("span", { id: id("sizes-hint"), class: "hint" });
    const problem = el("p", { class: "problem", role: "alert" });
    options(activation, cfg.activations, "sigmoid");
    options(output, cfg.outputs, null, ["", "as hidden layers"]);
    options(loss, cfg.losses, "squared");
    const b = cfg.bounds;
    hint.textContent = `widths N₀, …, N_L, e.g. 2,2,1 — at most ${b.max_layers} layers of up to ${b.max_width} neurons`;
    host.replaceChildren(
      el("div", { class: "field wide" }, el("label", { for: id("sizes"), text: "Layer sizes" }), sizes, hint),
      el("div", { class: "field" }, el("label", { for: id("activation"), text: "Activation" }), activation),
      el("div", { class: "field" }, el("label", { for: id("output"), text: "Output layer" }), output),
      el("div", { class: "field" }, el("label", { for: id("loss"), text: "Loss" }), loss),
      el("div", { class: "field check" }, bias, el("label", { for: id("bias") }, "biases b", el("sup", { text: "ℓ" }), el("sub", { text: "i" }))),
      problem,
    );

    function network() {
      const widths = parseSizes(sizes.value);
      if (!widths) return null;
      return { sizes: widths, activation: activation.value, output: output.value || null, bias: bias.checked, loss: loss.value };
    }
    function set(net) {
      sizes.value = net.sizes.join(",");
      activation.value = Array.isArray(net.activation) ? net.activation[0] : net.activation;
      output.value = net.output || "";
      loss.value = net.loss;
      bias.checked = !!net.bias;
    }
    function changed() {
      const net = network();
      problem.textContent = net ? "" : "Layer sizes are whole numbers separated by commas, e.g. 2,2,1.";
      if (net) onChange(net);
    }
    let timer = null;
    sizes.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(changed, 400); });
    for (const field of [activation, output, loss, bias]) field.addEventListener("change", changed);
    return { network, set, problem: (message) => { problem.textContent = message || ""; } };
  }

  /* A network and parameter in the page address, so a link opens the same question. */
  function writeHash(net, wrt) {
    const query = new URLSearchParams({
      sizes: net.sizes.join(","), activation: Array.isArray(net.activation) ? net.activation.join(",") : net.activation,
      output: net.output || "", bias: net.bias ? "1" : "0", loss: net.loss,
    });
    if (wrt) query.set("wrt", wrt);
    history.replaceState(null, "", "#" + query.toString());
  }

  function readHash() {
    const query = new URLSearchParams(location.hash.slice(1));
    const widths = parseSizes(query.get("sizes") || "");
    if (!widths) return null;
    return {
      network: { sizes: widths, activation: (query.get("activation") || "phi").split(",")[0], output: query.get("output") || null,
                 bias: query.get("bias") === "1", loss: query.get("loss") || "squared" },
      wrt: query.get("wrt") || "",
    };
  }

  return { el, math, segments, blocks, api, config, networkPicker, writeHash, readHash };
})();
