/* The review page's card grid, one script for both of its modes (review.js: designs; review_mockups.js: the
 * mockups of products), after review_send.js.
 *
 * The page works without script (links and plain forms). With it, decisions are sent with fetch() one after
 * another (so "undo" always refers to the decision before it), the grid moves on at once, a refused or conflicting
 * decision is shown and its card put back where needed, and the reviewer's claims (the cards set aside for them)
 * are made by a POST as soon as the page has opened (opening it, a GET, claims nothing), renewed while they are
 * active, topped up as they decide, and released when they leave. A decided card is never shown again unless undo
 * brings it back.
 *
 * window.podReviewGrid(root, mode) runs the grid of the page `root`; `mode` says what differs:
 *   decisions             {key: decision}; a decision sends {<config.item>: id, decision} (the first is the
 *                         decide form's default)
 *   showStage(data)       fill the large view with the focused card's data
 *   fillCard(data, link)  fill a new card's link (the grid makes the <li> and the <a>)
 *   keys(grid)            more {key: action}: the mode's own (zoom, compare, flipping mockups); `grid` offers
 *                         move(delta) and focused() (the focused card's data, or null)
 *   fields(decision)      more fields sent with a decision (a rejection's reason), optional
 *   onEnter(data)         Enter: open the focused card's page
 *   onFocus(data, next)   after a card is focused, with the next card's data (to warm its image), optional
 * The page's texts for an empty grid are the data-with-others ({n}: how many wait) and data-none attributes of
 * #pod-empty; the server's config (#pod-review-config) names the item ("design", "product"), the status of a card
 * still waiting, the batch, and the card a link asked for (focus).
 */
(function () {
  "use strict";

  window.podReviewGrid = function (root, mode) {
    const $ = (id) => document.getElementById(id);
    const config = JSON.parse($("pod-review-config").textContent);
    const cards = new Map(JSON.parse($("pod-cards").textContent).map((c) => [String(c.id), c]));
    const grid = $("pod-grid");
    const main = root.querySelector(".pod-review-main");
    const empty = $("pod-empty");
    const statusBox = $("pod-review-status");
    const help = $("pod-keys");
    const decideForm = $("pod-decide-form");
    const undoForm = $("pod-undo-form");
    const claimsForm = $("pod-claims-form");
    const releaseForm = $("pod-release-form");
    const decided = new Set(); // taken out by this page: never shown again unless undo brings them back
    let focusedId = root.dataset.focus;
    let queue = Promise.resolve(); // requests run one at a time, in the order the reviewer pressed the keys
    let activeSinceBeat = false;
    let lookAgain = null; // a pending "look again" while everything left is with other reviewers
    let claimedUntil = null; // handed back on leaving: only the claims this page was told of are released

    const visibleCards = () => Array.from(grid.querySelectorAll(".pod-card:not([hidden])"));
    const cardFor = (id) => grid.querySelector('.pod-card[data-id="' + id + '"]');

    function say(message, kind) {
      statusBox.textContent = message;
      statusBox.className = "pod-review-status" + (kind ? " is-" + kind : "");
      statusBox.setAttribute("role", kind === "error" ? "alert" : "status");
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
      const data = cards.get(focusedId);
      mode.showStage(data);
      const decideInput = $("pod-decide-" + config.item);
      if (decideInput) decideInput.value = data.id;
      const all = visibleCards();
      const next = all[all.indexOf(card) + 1];
      if (mode.onFocus) mode.onFocus(data, next ? cards.get(next.dataset.id) : null);
    }

    function move(delta) {
      const all = visibleCards();
      if (!all.length) return;
      const index = all.findIndex((card) => card.dataset.id === focusedId);
      focusCard(all[Math.min(all.length - 1, Math.max(0, index + delta))]);
    }

    function buildCard(data) {
      const card = document.createElement("li");
      card.className = "pod-card";
      card.dataset.id = String(data.id);
      const link = document.createElement("a");
      const scope = ["batch", "shop"].filter((name) => config[name]).map((name) => name + "=" + config[name] + "&");
      link.href = "?" + scope.join("") + "focus=" + data.id;
      mode.fillCard(data, link, card);
      card.append(link);
      return card;
    }

    /** Cards the server says are ours now: add the new ones (never a card this page has taken out). */
    function addCards(list) {
      for (const data of list || []) {
        const id = String(data.id);
        if (decided.has(id) || data.status !== config.waiting) continue;
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
        const index = visibleCards().indexOf(card);
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
      const index = visibleCards().indexOf(card);
      card.hidden = true;
      decided.add(card.dataset.id);
      const rest = visibleCards();
      if (card.dataset.id !== focusedId) return;
      if (rest.length) focusCard(rest[Math.min(index, rest.length - 1)]);
      else {
        focusCard(null);
        empty.textContent = "Saving your decisions and fetching more " + config.item + "s…";
      }
    }

    function putBack(list) {
      let first = null;
      for (const data of list) {
        const id = String(data.id);
        decided.delete(id);
        cards.set(id, data);
        const card = cardFor(id) || grid.insertBefore(buildCard(data), grid.firstChild);
        card.hidden = false;
        first = first || card;
      }
      if (first) focusCard(first);
    }

    function updateCounts(body) {
      if (typeof body.left === "number") {
        $("pod-left").textContent = body.left;
        const modeCount = root.querySelector(".pod-mode-switch [aria-current] .pod-mode-count");
        if (modeCount) modeCount.textContent = body.left; // the switch's count of this mode follows too
      }
      if (typeof body.today === "number" && $("pod-today")) $("pod-today").textContent = body.today;
      if (!visibleCards().length && !focusedId) {
        // Everything left is with other reviewers: look again soon, something may be free by then.
        if (body.left > 0 && !lookAgain) {
          lookAgain = window.setTimeout(() => {
            lookAgain = null;
            claim(true);
          }, 10_000);
        }
        empty.textContent =
          body.left > 0 ? empty.dataset.withOthers.replace("{n}", body.left) : empty.dataset.none;
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
      const extra = { [config.item]: id, decision: decision, ...(mode.fields ? mode.fields(decision) : {}) };
      takeOut(card); // optimistic: the reviewer moves on while the decision is saved
      if (visibleCards().length < config.refillBelow) extra.refill = "1";
      else extra.have = visibleCards().filter((c) => cards.get(c.dataset.id).mine).map((c) => c.dataset.id).join(",");
      queue = queue.then(async function () {
        const { status, body } = await send(decideForm, extra);
        if (status === 200) {
          say(body.message, "success");
        } else if (status === 409 || status === 404) {
          // Someone else decided first (or the card is gone): it stays out of the grid, and we say so.
          say(body.message, "error");
        } else {
          say(body.message || "Not saved.", "error");
          putBack([cards.get(id)]);
        }
        if (body.claimed_until) claimedUntil = body.claimed_until;
        keepOnly(body.cards);
        dropCards(body.taken);
        addCards(body.cards);
        updateCounts(body);
      });
    }

    function undo() {
      if (!config.canDecide) return;
      queue = queue.then(async function () {
        const { status, body } = await send(undoForm);
        const back = body[config.item + "s"];
        if (status === 200 && back && back.length) {
          putBack(back);
          addCards(body.cards);
          say(body.message, "success");
        } else {
          say(body.message || "Nothing was undone.", status === 404 ? "" : "error");
        }
        if (body.claimed_until) claimedUntil = body.claimed_until;
        updateCounts(body);
      });
      return queue;
    }

    /** Claim (the page has just opened), or renew the claims while the reviewer is active; pick up new cards. */
    function claim(force, extra) {
      if (!claimsForm || (!activeSinceBeat && !force)) return queue;
      activeSinceBeat = false;
      queue = queue.then(async function () {
        const { status, body } = await send(claimsForm, extra);
        if (status !== 200) return;
        if (body.claimed_until) claimedUntil = body.claimed_until;
        keepOnly(body.cards);
        addCards(body.cards);
        updateCounts(body);
      });
      return queue;
    }

    function toggleHelp() {
      if (help.open) help.close();
      else help.showModal();
    }

    const gridApi = { move, focused: () => (focusedId ? cards.get(focusedId) : null) };
    const actions = { j: () => move(1), k: () => move(-1), u: undo, "?": toggleHelp, ...mode.keys(gridApi) };
    for (const [key, decision] of Object.entries(mode.decisions)) actions[key] = () => decide(decision);

    window.podKeys({
      actions,
      help,
      onEnter: () => focusedId && mode.onEnter(cards.get(focusedId)),
      onActivity: () => (activeSinceBeat = true),
    }); // review_send.js

    grid.addEventListener("click", function (event) {
      const card = event.target.closest(".pod-card");
      if (!card) return;
      event.preventDefault();
      focusCard(card);
    });
    if (decideForm) {
      decideForm.addEventListener("submit", function (event) {
        event.preventDefault();
        decide(event.submitter ? event.submitter.value : Object.values(mode.decisions)[0]);
      });
    }
    if (undoForm) {
      undoForm.addEventListener("submit", function (event) {
        event.preventDefault();
        undo();
      });
    }
    root.querySelector("[data-pod-help]").addEventListener("click", toggleHelp);

    if (config.canDecide) {
      window.setInterval(() => claim(false), config.heartbeatSeconds * 1000);
      document.addEventListener("visibilitychange", function () {
        if (document.visibilityState === "visible") claim(true);
      });
      // Leaving (another page, closing the tab): the claims go back to the other reviewers at once.
      window.addEventListener("pagehide", function () {
        const data = new FormData(releaseForm);
        if (claimedUntil) data.set("until", claimedUntil);
        navigator.sendBeacon(releaseForm.action, data);
      });
      window.addEventListener("pageshow", function (event) {
        if (event.persisted) claim(true); // back from the browser's cache: claim again
      });
      claim(true, config.focus ? { focus: config.focus } : {}).then(() => (root.dataset.ready = "true"));
    } else root.dataset.ready = "true";
    return gridApi;
  };
})();
