/* The review page: keyboard and mouse review without page reloads.
 *
 * The page works without this script (links and plain forms). With it, decisions are sent with fetch()
 * one after another (so "undo" always refers to the decision before it), the grid moves on at once,
 * and a refused or conflicting decision is shown and its card put back where needed.
 */
(function () {
  "use strict";

  const root = document.getElementById("pod-review");
  if (!root) return;
  const config = JSON.parse(document.getElementById("pod-review-config").textContent);
  const grid = document.getElementById("pod-grid");
  const statusBox = document.getElementById("pod-review-status");
  const help = document.getElementById("pod-keys");
  const decideForm = document.getElementById("pod-decide-form");
  const undoForm = document.getElementById("pod-undo-form");
  const reason = document.getElementById("pod-reason");
  const batchSelect = document.getElementById("pod-batch");
  let focusedId = root.dataset.focus;
  // Requests run one at a time, in the order the reviewer pressed the keys.
  let queue = Promise.resolve();

  function visibleCards() {
    return grid ? Array.from(grid.querySelectorAll(".pod-card:not([hidden])")) : [];
  }

  function cardFor(id) {
    return grid ? grid.querySelector('.pod-card[data-id="' + id + '"]') : null;
  }

  function say(message, kind) {
    statusBox.textContent = message;
    statusBox.className = "pod-review-status" + (kind ? " is-" + kind : "");
    statusBox.setAttribute("role", kind === "error" ? "alert" : "status");
  }

  function focusCard(card) {
    if (!card) {
      focusedId = "";
      root.dataset.focus = "";
      const empty = document.getElementById("pod-empty");
      const main = root.querySelector(".pod-review-main");
      if (main) main.hidden = true;
      if (empty) empty.hidden = false;
      return;
    }
    const previous = cardFor(focusedId);
    if (previous) {
      previous.classList.remove("is-focused");
      previous.querySelector("a").removeAttribute("aria-current");
    }
    card.classList.add("is-focused");
    card.querySelector("a").setAttribute("aria-current", "true");
    card.scrollIntoView({ block: "nearest" });
    focusedId = card.dataset.id;
    root.dataset.focus = focusedId;
    document.getElementById("pod-stage-img").src = card.dataset.image;
    showQuality(card);
    document.getElementById("pod-stage-img").alt = "Design " + focusedId;
    document.getElementById("pod-stage-id").textContent = "#" + focusedId;
    document.getElementById("pod-stage-title").textContent = card.dataset.title;
    document.getElementById("pod-stage-prompt").textContent = card.dataset.prompt;
    document.getElementById("pod-stage-batch").textContent = card.dataset.batch;
    document.getElementById("pod-stage-link").href = card.dataset.changeUrl;
    const designInput = document.getElementById("pod-decide-design");
    if (designInput) designInput.value = focusedId;
    // Warm the cache for the next large image so moving on feels instant.
    const cards = visibleCards();
    const next = cards[cards.indexOf(card) + 1];
    if (next && next.dataset.image) new Image().src = next.dataset.image;
  }

  // Print quality of the focused design (designs/print_quality.py, rendered into each card's data attributes).
  function showQuality(card) {
    const badge = document.getElementById("pod-stage-dpi");
    if (!badge) return;
    badge.textContent = card.dataset.dpi;
    badge.className = "pod-dpi pod-dpi-" + card.dataset.dpiLevel;
    badge.title = card.dataset.dpiText;
    document.getElementById("pod-stage-dpi-text").textContent = card.dataset.dpiText;
    document.getElementById("pod-stage-flag").hidden = !card.dataset.noAlpha;
    const full = document.getElementById("pod-full");
    full.href = card.dataset.original;
    full.setAttribute("aria-pressed", "false");
    document.getElementById("pod-stage-link").classList.remove("is-full");
  }

  // "100 %": the original at its own size, loaded only when asked for; again: back to the preview.
  const fullButton = document.getElementById("pod-full");
  if (fullButton) {
    fullButton.addEventListener("click", (event) => {
      event.preventDefault();
      const frame = document.getElementById("pod-stage-link");
      const image = document.getElementById("pod-stage-img");
      const card = cardFor(focusedId);
      const full = fullButton.getAttribute("aria-pressed") !== "true";
      fullButton.setAttribute("aria-pressed", String(full));
      frame.classList.toggle("is-full", full);
      image.src = full ? fullButton.getAttribute("href") : (card ? card.dataset.image : image.src);
    });
  }

  function move(delta) {
    const cards = visibleCards();
    if (!cards.length) return;
    const index = cards.findIndex((card) => card.dataset.id === focusedId);
    const target = Math.min(cards.length - 1, Math.max(0, index + delta));
    focusCard(cards[target]);
  }

  /** Hide a decided card and focus the one that took its place. */
  function takeOut(card) {
    const cards = visibleCards();
    const index = cards.indexOf(card);
    card.hidden = true;
    const rest = visibleCards();
    if (rest.length) {
      if (card.dataset.id === focusedId) focusCard(rest[Math.min(index, rest.length - 1)]);
      return;
    }
    const left = Number(document.getElementById("pod-left").textContent);
    if (left > 0) {
      say("Loading the next designs…", "");
      window.location.assign(config.reloadUrl);
    } else {
      focusCard(null);
    }
  }

  function putBack(design) {
    let card = cardFor(design.id);
    if (!card) {
      card = buildCard(design);
      grid.prepend(card);
    }
    card.hidden = false;
    const main = root.querySelector(".pod-review-main");
    if (main) main.hidden = false;
    document.getElementById("pod-empty").hidden = true;
    focusCard(card);
  }

  function buildCard(design) {
    const card = document.createElement("li");
    card.className = "pod-card";
    card.dataset.id = String(design.id);
    card.dataset.image = design.image_url || design.thumbnail_url;
    card.dataset.original = design.original_url || "";
    card.dataset.dpi = design.dpi || "DPI ?";
    card.dataset.dpiLevel = design.dpi_level || "unknown";
    card.dataset.dpiText = design.dpi_text || "";
    card.dataset.noAlpha = design.no_alpha ? "1" : "";
    card.dataset.title = design.title;
    card.dataset.prompt = design.prompt;
    card.dataset.batch = "";
    card.dataset.changeUrl = design.change_url;
    const link = document.createElement("a");
    link.href = "?focus=" + design.id;
    if (design.thumbnail_url) {
      const img = document.createElement("img");
      img.src = design.thumbnail_url;
      img.className = "pod-card-thumb";
      img.alt = "Design " + design.id;
      link.append(img);
    } else {
      const empty = document.createElement("span");
      empty.className = "pod-card-thumb pod-thumb-empty";
      empty.textContent = "—";
      link.append(empty);
    }
    const label = document.createElement("span");
    label.className = "pod-card-id";
    label.textContent = "#" + design.id;
    link.append(label);
    card.append(link);
    return card;
  }

  function updateCounts(body) {
    if (typeof body.left === "number") document.getElementById("pod-left").textContent = body.left;
    if (typeof body.today === "number") document.getElementById("pod-today").textContent = body.today;
  }

  async function send(form, extra) {
    const data = new FormData(form);
    for (const [key, value] of Object.entries(extra || {})) data.set(key, value);
    let response;
    try {
      response = await fetch(form.action, {
        method: "POST",
        body: data,
        credentials: "same-origin",
        headers: { Accept: "application/json", "X-CSRFToken": data.get("csrfmiddlewaretoken") },
      });
    } catch (error) {
      return { status: 0, body: { message: "Could not reach the server; nothing was saved." } };
    }
    let body;
    try {
      body = await response.json();
    } catch (error) {
      body = { message: "The server answered " + response.status + "; nothing was saved." };
    }
    return { status: response.status, body: body };
  }

  function decide(decision) {
    if (!config.canDecide || !focusedId) return;
    const card = cardFor(focusedId);
    if (!card || card.hidden) return;
    const id = card.dataset.id;
    const extra = { design: id, decision: decision };
    if (decision === "reject") extra.reason = reason ? reason.value : "";
    if (reason) reason.value = "";
    takeOut(card); // optimistic: the reviewer moves on while the decision is saved
    card.dataset.pending = decision;
    queue = queue.then(async function () {
      const { status, body } = await send(decideForm, extra);
      delete card.dataset.pending;
      updateCounts(body);
      if (status === 200) {
        say(body.message, "success");
      } else if (status === 409 || status === 404) {
        // Someone else decided first (or the design is gone): it stays out of the grid, and we say so.
        say(body.message, "error");
      } else {
        say(body.message || "Not saved.", "error");
        putBack({
          id: id,
          image_url: card.dataset.image,
          original_url: card.dataset.original,
          dpi: card.dataset.dpi,
          dpi_level: card.dataset.dpiLevel,
          dpi_text: card.dataset.dpiText,
          no_alpha: Boolean(card.dataset.noAlpha),
          title: card.dataset.title,
          prompt: card.dataset.prompt,
        });
      }
    });
  }

  function undo() {
    if (!config.canDecide) return;
    queue = queue.then(async function () {
      const { status, body } = await send(undoForm);
      updateCounts(body);
      if (status === 200 && body.design) {
        putBack(body.design);
        say(body.message, "success");
      } else {
        say(body.message || "Nothing was undone.", status === 404 ? "" : "error");
      }
    });
  }

  function openFocused() {
    const card = cardFor(focusedId);
    if (card) window.location.assign(card.dataset.changeUrl);
  }

  function toggleHelp() {
    if (help.open) help.close();
    else help.showModal();
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const tag = event.target.tagName;
    if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT") {
      if (event.key === "Escape") event.target.blur();
      return;
    }
    if (help.open && event.key !== "?") return; // the dialog handles Escape itself
    const actions = {
      ArrowRight: () => move(1),
      j: () => move(1),
      J: () => move(1),
      ArrowLeft: () => move(-1),
      k: () => move(-1),
      K: () => move(-1),
      a: () => decide("approve"),
      A: () => decide("approve"),
      r: () => decide("reject"),
      R: () => decide("reject"),
      u: () => undo(),
      U: () => undo(),
      "?": toggleHelp,
    };
    if (event.key === "Enter" && tag !== "BUTTON") {
      event.preventDefault();
      openFocused();
      return;
    }
    const action = actions[event.key];
    if (action) {
      event.preventDefault();
      action();
    }
  });

  if (grid) {
    grid.addEventListener("click", function (event) {
      const card = event.target.closest(".pod-card");
      if (!card) return;
      event.preventDefault();
      focusCard(card);
    });
  }

  if (decideForm) {
    decideForm.addEventListener("submit", function (event) {
      event.preventDefault();
      const button = event.submitter;
      decide(button && button.value === "reject" ? "reject" : "approve");
    });
  }
  if (undoForm) {
    undoForm.addEventListener("submit", function (event) {
      event.preventDefault();
      undo();
    });
  }
  document.querySelector("[data-pod-help]").addEventListener("click", toggleHelp);
  if (batchSelect) batchSelect.addEventListener("change", () => batchSelect.form.submit());
  root.dataset.ready = "true";
})();
