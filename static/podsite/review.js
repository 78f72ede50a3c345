/* The review page: keyboard and mouse review without page reloads (zoom.js first; compare.js: compare mode).
 *
 * The page works without this script (links and plain forms). With it, decisions are sent
 * with fetch() one after another (so "undo" always refers to the decision before it), the grid moves on at
 * once, a refused or conflicting decision is shown and its card put back where needed, and the reviewer's
 * claims (the designs set aside for them) are renewed while they are active, topped up as they decide, and
 * released when they leave. A decided card is never shown again unless undo brings it back.
 * The stage shows a preview with the design's print quality (DPI badge, explanation, "no transparency" flag; the
 * backdrops are print.js's); the 100 % view (Z, a click, the "100 %" button) loads the original only then.
 */
(function () {
  "use strict";

  const zoomable = window.podZoomable;

  function reviewPage(root) {
    const config = JSON.parse(document.getElementById("pod-review-config").textContent);
    const cards = new Map(JSON.parse(document.getElementById("pod-cards").textContent).map((c) => [String(c.id), c]));
    const grid = document.getElementById("pod-grid");
    const main = root.querySelector(".pod-review-main");
    const empty = document.getElementById("pod-empty");
    const statusBox = document.getElementById("pod-review-status");
    const help = document.getElementById("pod-keys");
    const decideForm = document.getElementById("pod-decide-form");
    const undoForm = document.getElementById("pod-undo-form");
    const claimsForm = document.getElementById("pod-claims-form");
    const releaseForm = document.getElementById("pod-release-form");
    const reason = document.getElementById("pod-reason");
    const batchSelect = document.getElementById("pod-batch");
    const $ = (id) => document.getElementById(id);
    const fullButton = $("pod-full");
    const zoom = zoomable($("pod-stage-frame"), $("pod-stage-img"), $("pod-zoom-label"), {
      onChange: (zoomed) => fullButton && fullButton.setAttribute("aria-pressed", String(zoomed)),
    });
    const decided = new Set(); // taken out by this page: never shown again unless undo brings them back
    let focusedId = root.dataset.focus;
    let queue = Promise.resolve(); // requests run one at a time, in the order the reviewer pressed the keys
    let activeSinceBeat = false;
    let lookAgain = null; // a pending "look again" while everything left is with other reviewers
    let claimedUntil = config.claimedUntil; // handed back on leaving: only these claims are released

    function visibleCards() {
      return Array.from(grid.querySelectorAll(".pod-card:not([hidden])"));
    }

    function cardFor(id) {
      return grid.querySelector('.pod-card[data-id="' + id + '"]');
    }

    function say(message, kind) {
      statusBox.textContent = message;
      statusBox.className = "pod-review-status" + (kind ? " is-" + kind : "");
      statusBox.setAttribute("role", kind === "error" ? "alert" : "status");
    }

    function showStage(data) {
      const img = $("pod-stage-img");
      zoom.reset();
      img.src = data.image_url; // a preview; the 100 % view loads the original (zoom.js)
      img.dataset.original = data.original_url || "";
      img.alt = "Design " + data.id;
      img.width = data.width || 0;
      img.height = data.height || 0;
      $("pod-stage-id").textContent = "#" + data.id;
      $("pod-stage-title").textContent = data.title;
      $("pod-stage-size").textContent = data.size;
      $("pod-stage-full").href = data.original_url || data.image_url;
      $("pod-stage-link").href = data.change_url;
      $("pod-stage-prompt").textContent = data.prompt;
      $("pod-stage-batch").textContent = data.batch;
      const compare = $("pod-stage-compare");
      compare.hidden = !data.compare_url;
      compare.href = data.compare_url + (config.batch ? "&batch=" + config.batch : "");
      $("pod-stage-variations").textContent = data.variations;
      const duplicate = $("pod-duplicate");
      duplicate.hidden = !data.duplicate;
      if (data.duplicate) {
        $("pod-duplicate-this").src = data.thumbnail_url;
        $("pod-duplicate-other").src = data.duplicate.thumbnail_url;
        $("pod-duplicate-link").href = data.duplicate.change_url;
        $("pod-duplicate-text").textContent = data.duplicate.text;
      }
      showQuality(data);
      const designInput = $("pod-decide-design");
      if (designInput) designInput.value = data.id;
    }

    /** Print quality against the default template (designs/print_quality.py via review_cards.py). */
    function showQuality(data) {
      const badge = $("pod-stage-dpi");
      badge.textContent = data.dpi || "DPI ?";
      badge.className = "pod-dpi pod-dpi-" + (data.dpi_level || "unknown");
      badge.title = data.dpi_text || "";
      $("pod-stage-dpi-text").textContent = data.dpi_text || "";
      $("pod-stage-flag").hidden = !data.no_alpha;
      $("pod-stage-flag-template").textContent = data.print_template || "";
    }

    function focusCard(card) {
      const previous = cardFor(focusedId);
      if (previous) {
        previous.classList.remove("is-focused");
        previous.querySelector("a").removeAttribute("aria-current");
      }
      if (!card) {
        focusedId = "";
        root.dataset.focus = "";
        main.hidden = true;
        empty.hidden = false;
        return;
      }
      main.hidden = false;
      empty.hidden = true;
      card.classList.add("is-focused");
      card.querySelector("a").setAttribute("aria-current", "true");
      card.scrollIntoView({ block: "nearest" });
      focusedId = card.dataset.id;
      root.dataset.focus = focusedId;
      showStage(cards.get(focusedId));
      // Warm the cache for the next large image so moving on feels instant.
      const all = visibleCards();
      const next = all[all.indexOf(card) + 1];
      if (next) new Image().src = cards.get(next.dataset.id).image_url;
    }

    function move(delta) {
      const all = visibleCards();
      if (!all.length) return;
      const index = all.findIndex((card) => card.dataset.id === focusedId);
      focusCard(all[Math.min(all.length - 1, Math.max(0, index + delta))]);
    }

    function buildCard(data) {
      const card = document.createElement("li");
      card.className = "pod-card" + (data.duplicate ? " has-duplicate" : "");
      card.dataset.id = String(data.id);
      const link = document.createElement("a");
      link.href = "?" + (config.batch ? "batch=" + config.batch + "&" : "") + "focus=" + data.id;
      link.title = data.prompt;
      if (data.thumbnail_url) {
        const img = document.createElement("img");
        img.src = data.thumbnail_url;
        img.className = "pod-card-thumb";
        img.alt = "Design " + data.id;
        link.append(img);
      } else {
        const none = document.createElement("span");
        none.className = "pod-card-thumb pod-thumb-empty";
        none.textContent = "—";
        link.append(none);
      }
      const label = document.createElement("span");
      label.className = "pod-card-id";
      label.textContent = "#" + data.id;
      link.append(label);
      if (data.dpi) {
        const dpi = document.createElement("span");
        dpi.className = "pod-dpi pod-dpi-" + data.dpi_level + " pod-card-dpi";
        dpi.title = data.dpi_text;
        dpi.textContent = data.dpi;
        link.append(dpi);
      }
      if (data.duplicate) {
        const flag = document.createElement("span");
        flag.className = "pod-card-flag";
        flag.title = data.duplicate.text;
        flag.textContent = "≈";
        link.append(flag);
      }
      card.append(link);
      return card;
    }

    /** Cards the server says are ours now: add the new ones (never a card this page has taken out). */
    function addCards(list) {
      for (const data of list || []) {
        const id = String(data.id);
        if (decided.has(id) || data.status !== "review") continue;
        cards.set(id, data);
        if (!cardFor(id)) grid.append(buildCard(data));
      }
      if (!focusedId) {
        const first = visibleCards()[0];
        if (first) focusCard(first);
      }
    }

    /** Another reviewer holds these now (the queue was shared out again): hide them, never decided here. */
    function dropCards(ids) {
      for (const id of ids || []) {
        const card = cardFor(id);
        if (!card || card.hidden) continue;
        const wasFocused = card.dataset.id === focusedId;
        const all = visibleCards();
        const index = all.indexOf(card);
        card.hidden = true;
        const rest = visibleCards();
        if (wasFocused) focusCard(rest.length ? rest[Math.min(index, rest.length - 1)] : null);
      }
    }

    /** The server's full list of this reviewer's cards: anything else on the page goes. */
    function keepOnly(list) {
      if (!list) return;
      const keep = new Set(list.map((data) => String(data.id)));
      dropCards(visibleCards().map((card) => card.dataset.id).filter((id) => !keep.has(id)));
    }

    /** Hide a decided card and focus the one that took its place (or say the grid is empty for now). */
    function takeOut(card) {
      const all = visibleCards();
      const index = all.indexOf(card);
      card.hidden = true;
      decided.add(card.dataset.id);
      const rest = visibleCards();
      if (card.dataset.id !== focusedId) return;
      if (rest.length) focusCard(rest[Math.min(index, rest.length - 1)]);
      else {
        focusCard(null);
        empty.textContent = "Saving your decisions and fetching more designs…";
      }
    }

    function putBack(list) {
      let first = null;
      for (const data of list) {
        const id = String(data.id);
        decided.delete(id);
        cards.set(id, data);
        let card = cardFor(id);
        if (!card) {
          card = buildCard(data);
          grid.prepend(card);
        }
        card.hidden = false;
        first = first || card;
      }
      if (first) focusCard(first);
    }

    function updateCounts(body) {
      if (typeof body.left === "number") $("pod-left").textContent = body.left;
      if (typeof body.today === "number") $("pod-today").textContent = body.today;
      if (!visibleCards().length && !focusedId) {
        // Everything left is with other reviewers: look again soon, something may be free by then.
        if (body.left > 0 && !lookAgain) {
          lookAgain = window.setTimeout(() => {
            lookAgain = null;
            heartbeat(true);
          }, 10_000);
        }
        empty.textContent =
          body.left > 0
            ? "Nothing more for you right now: the " + body.left + " left are with other reviewers."
            : "Nothing is waiting for review" + (config.batchName ? " in batch “" + config.batchName + "”" : "") + ".";
      }
    }

    function send(form, extra) {
      return window.podSend(form, config.batch ? { ...extra, batch: config.batch } : extra); // review_send.js
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
      if (visibleCards().length < config.refillBelow) extra.refill = "1";
      else extra.have = visibleCards().filter((c) => cards.get(c.dataset.id).mine).map((c) => c.dataset.id).join(",");
      queue = queue.then(async function () {
        const { status, body } = await send(decideForm, extra);
        if (status === 200) {
          say(body.message, "success");
        } else if (status === 409 || status === 404) {
          // Someone else decided first (or the design is gone): it stays out of the grid, and we say so.
          say(body.message, "error");
        } else {
          say(body.message || "Not saved.", "error");
          putBack([cards.get(id)]);
        }
        if (body.claimed_until) claimedUntil = body.claimed_until;
        if (body.cards) keepOnly(body.cards);
        dropCards(body.taken);
        addCards(body.cards);
        updateCounts(body);
      });
    }

    function undo() {
      if (!config.canDecide) return;
      queue = queue.then(async function () {
        const { status, body } = await send(undoForm);
        if (status === 200 && body.designs && body.designs.length) {
          putBack(body.designs);
          addCards(body.cards);
          say(body.message, "success");
        } else {
          say(body.message || "Nothing was undone.", status === 404 ? "" : "error");
        }
        updateCounts(body);
      });
    }

    /** Renew the claims while the reviewer is active; pick up new designs when the grid runs low. */
    function heartbeat(force) {
      if (!claimsForm || (!activeSinceBeat && !force)) return;
      activeSinceBeat = false;
      queue = queue.then(async function () {
        const { status, body } = await send(claimsForm);
        if (status !== 200) return;
        if (body.claimed_until) claimedUntil = body.claimed_until;
        keepOnly(body.cards);
        addCards(body.cards);
        updateCounts(body);
      });
    }

    function openFocused() {
      if (focusedId) window.location.assign(cards.get(focusedId).change_url);
    }

    function compare() {
      const link = $("pod-stage-compare");
      if (focusedId && !link.hidden) window.location.assign(link.href);
    }

    function toggleHelp() {
      if (help.open) help.close();
      else help.showModal();
    }

    const actions = {
      ArrowRight: () => move(1),
      j: () => move(1),
      ArrowLeft: () => move(-1),
      k: () => move(-1),
      a: () => decide("approve"),
      r: () => decide("reject"),
      u: () => undo(),
      z: () => focusedId && zoom.toggle(),
      c: compare,
      "?": toggleHelp,
    };

    window.podKeys({ actions, help, onEnter: openFocused, onActivity: () => (activeSinceBeat = true) }); // review_send.js

    grid.addEventListener("click", function (event) {
      const card = event.target.closest(".pod-card");
      if (!card) return;
      event.preventDefault();
      focusCard(card);
    });
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
    if (fullButton) fullButton.addEventListener("click", () => focusedId && zoom.toggle());
    if (batchSelect) batchSelect.addEventListener("change", () => batchSelect.form.submit());

    if (config.canDecide) {
      if (!focusedId) updateCounts({ left: Number($("pod-left").textContent) }); // all with others: look again
      window.setInterval(heartbeat, config.heartbeatSeconds * 1000);
      document.addEventListener("visibilitychange", function () {
        if (document.visibilityState === "visible") heartbeat(true);
      });
      // Leaving (another page, closing the tab): the claims go back to the other reviewers at once.
      window.addEventListener("pagehide", function () {
        const data = new FormData(releaseForm);
        if (claimedUntil) data.set("until", claimedUntil);
        navigator.sendBeacon(releaseForm.action, data);
      });
      window.addEventListener("pageshow", function (event) {
        if (event.persisted) heartbeat(true); // back from the browser's cache: claim again
      });
    }
    root.dataset.ready = "true";
  }

  const review = document.getElementById("pod-review");
  if (review) reviewPage(review);
})();
