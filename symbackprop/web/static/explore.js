/* The Explore page: a network's derivation, from the same objects as the LaTeX documents. */
"use strict";

(() => {
  const { el, blocks, segments, api } = SB;
  const $ = (id) => document.getElementById(id);
  let picker = null;
  let serial = 0;

  async function parameters(net, preferred) {
    const select = $("wrt");
    try {
      const info = await api("/api/network", { network: net });
      picker.problem("");
      const previous = preferred || select.value;
      select.replaceChildren(...info.parameters.map((p) => el("option", { value: p.name, text: p.name })));
      const names = info.parameters.map((p) => p.name);
      select.value = names.includes(previous) ? previous : names[0];
      return info.network;
    } catch (error) {
      picker.problem(error.message);
      return null;
    }
  }

  async function derive(event) {
    if (event) event.preventDefault();
    const net = picker.network();
    if (!net) return;
    const mine = ++serial;
    const status = $("status");
    const button = $("derive-button");
    button.disabled = true;
    status.textContent = "Deriving and proving…";
    try {
      const page = await api("/api/explore", { network: net, wrt: $("wrt").value });
      if (mine !== serial) return;
      SB.writeHash(net, page.parameter);
      $("check-link").setAttribute("href", "/" + location.hash);
      show(page);
      status.textContent = "";
    } catch (error) {
      if (mine === serial) status.textContent = error.message;
    } finally {
      if (mine === serial) button.disabled = false;
    }
  }

  function show(page) {
    const host = $("derivation");
    const proof = page.proof;
    const summary = el("div", { class: "card proof " + (proof.holds ? "good" : "bad") },
      el("p", { class: "verdict-title " + (proof.holds ? "good" : "bad"), id: "proof-title",
                text: proof.holds ? `Proved: backpropagation equals the direct derivative for ${proof.proved} of ${proof.entries} parameters`
                                  : `Not proved: ${proof.proved} of ${proof.entries} entries identical` }),
      el("p", { class: "hint" }, el("strong", { text: "Method: " }),
        ...proof.method_blocks.map((block) => block.type === "paragraph" ? segments(block.segments) : blocks([block]))));
    const toc = el("ol", { class: "toc" });
    const sections = [];
    page.sections.forEach((section, index) => {
      const id = "part-" + (index + 1);
      const [heading, ...rest] = section;
      const title = heading && heading.type === "heading" ? heading.segments : [{ text: "Part " + (index + 1) }];
      toc.append(el("li", {}, el("a", { href: "#" + id }, segments(title))));
      const box = el("section", { class: "card derivation-part", id, "aria-labelledby": id + "-title" });
      box.append(el("h2", { id: id + "-title" }, segments(title)));
      box.append(blocks(heading && heading.type === "heading" ? rest : section, 3));
      sections.push(box);
    });
    host.replaceChildren(
      el("section", { class: "card" }, el("h2", { text: "The network " + page.network }), blocks(page.description)),
      summary,
      el("nav", { class: "card", "aria-label": "Contents" }, el("h2", { text: "Contents" }), toc),
      ...sections,
    );
    host.querySelectorAll(".toc a").forEach((link) => link.addEventListener("click", (event) => {
      event.preventDefault();
      const target = document.getElementById(link.getAttribute("href").slice(1));
      target.scrollIntoView();
      target.setAttribute("tabindex", "-1");
      target.focus({ preventScroll: true });
    }));
  }

  async function start() {
    let cfg;
    try {
      cfg = await SB.config();
    } catch (error) {
      $("status").textContent = error.message;
      return;
    }
    if (!cfg.explore) {
      $("status").textContent = "Explore is turned off on this server: it shows worked answers, and homework is being checked here.";
      document.querySelector("main .card").hidden = true;
      return;
    }
    const exploreCfg = Object.assign({}, cfg, { bounds: cfg.explore_bounds });
    picker = SB.networkPicker($("network-form"), exploreCfg, (net) => parameters(net), "net");
    const fromHash = SB.readHash();
    const net = fromHash ? fromHash.network : cfg.default_network;
    picker.set(net);
    $("explore-form").addEventListener("submit", derive);
    if (await parameters(picker.network() || net, fromHash ? fromHash.wrt : "")) await derive();
  }

  document.addEventListener("DOMContentLoaded", start);
})();
