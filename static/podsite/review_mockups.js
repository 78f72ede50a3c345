/* The review page's mockup mode: one card per product waiting on Printify; G sends it live, D discards it, U undoes.
 *
 * Works like review.js (which see): the page works without it (links and plain forms); with it, decisions are sent
 * one after another (review_send.js), the grid moves on at once, a conflict is said in words, and the claims on the
 * products' designs are renewed while the reviewer is active and released when they leave. ← and → flip through
 * the focused product's mockups (shown large), J and K move between products.
 */
(function () {
  "use strict";

  function mockupPage(root) {
    const $ = (id) => document.getElementById(id);
    const config = JSON.parse($("pod-review-config").textContent);
    const cards = new Map(JSON.parse($("pod-cards").textContent).map((c) => [String(c.id), c]));
    const grid = $("pod-grid");
    const main = root.querySelector(".pod-review-main");
    const empty = $("pod-empty");
    const statusBox = $("pod-review-status");
    const help = $("pod-keys");
    const strip = $("pod-mockup-strip");
    const decideForm = $("pod-decide-form");
    const undoForm = $("pod-undo-form");
    const claimsForm = $("pod-claims-form");
    const releaseForm = $("pod-release-form");
    const decided = new Set(); // taken out by this page: never shown again unless undo brings them back
    let focusedId = root.dataset.focus;
    let shown = 0; // the index of the mockup shown large
    let queue = Promise.resolve(); // requests run one at a time, in the order the keys were pressed
    let activeSinceBeat = false;
    let claimedUntil = config.claimedUntil;

    const visibleCards = () => Array.from(grid.querySelectorAll(".pod-card:not([hidden])"));
    const cardFor = (id) => grid.querySelector('.pod-card[data-id="' + id + '"]');

    function say(message, kind) {
      statusBox.textContent = message;
      statusBox.className = "pod-review-status" + (kind ? " is-" + kind : "");
      statusBox.setAttribute("role", kind === "error" ? "alert" : "status");
    }

    function showMockup(index) {
      const data = cards.get(focusedId);
      if (!data || !data.mockups.length) return;
      shown = (index + data.mockups.length) % data.mockups.length;
      const img = $("pod-mockup-img");
      img.src = data.mockups[shown];
      img.alt = "Mockup " + (shown + 1) + " of product " + data.id;
      $("pod-mockup-count").textContent = shown + 1 + " / " + data.mockups.length;
      for (const link of strip.querySelectorAll("a")) {
        if (Number(link.dataset.index) === shown) link.setAttribute("aria-current", "true");
        else link.removeAttribute("aria-current");
      }
    }

    function showStage(data) {
      const design = $("pod-product-design");
      design.hidden = !data.thumbnail_url;
      design.src = data.thumbnail_url;
      $("pod-product-template").textContent = data.template;
      $("pod-stage-title").textContent = data.title;
      $("pod-product-price").textContent = data.price_range;
      $("pod-product-variants").textContent = data.variants + " variant" + (data.variants === 1 ? "" : "s");
      $("pod-stage-id").textContent = "product #" + data.id;
      $("pod-product-design-link").href = data.design_url;
      $("pod-product-link").href = data.product_url;
      const printify = $("pod-product-printify");
      printify.hidden = !data.printify_url;
      printify.href = data.printify_url || "#";
      const some = data.mockups.length > 0;
      $("pod-mockup-img").hidden = !some;
      $("pod-mockup-count").hidden = !some;
      $("pod-mockup-none").hidden = some;
      strip.replaceChildren(
        ...data.mockups.map(function (src, index) {
          const item = document.createElement("li");
          const link = document.createElement("a");
          link.href = src;
          link.dataset.index = String(index);
          const img = document.createElement("img");
          img.src = src;
          img.loading = "lazy";
          img.alt = "Mockup " + (index + 1);
          link.append(img);
          item.append(link);
          return item;
        }),
      );
      const input = $("pod-decide-product");
      if (input) input.value = data.id;
      showMockup(0);
    }

    function focusCard(card) {
      const previous = cardFor(focusedId);
      if (previous) {
        previous.classList.remove("is-focused");
        previous.querySelector("a").removeAttribute("aria-current");
      }
      if (!card) {
        focusedId = "";
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
      link.href = "?focus=" + data.id;
      link.title = data.template + ": " + data.title;
      const picture = data.mockups[0] || data.thumbnail_url;
      const thumb = document.createElement(picture ? "img" : "span");
      thumb.className = "pod-card-thumb" + (picture ? "" : " pod-thumb-empty");
      if (picture) {
        thumb.src = picture;
        thumb.alt = "Product " + data.id;
      } else thumb.textContent = "—";
      const label = document.createElement("span");
      label.className = "pod-card-id";
      label.textContent = data.template;
      link.append(thumb, label);
      card.append(link);
      return card;
    }

    function hide(ids) {
      for (const id of ids) {
        const card = cardFor(id);
        if (!card || card.hidden) continue;
        const index = visibleCards().indexOf(card);
        card.hidden = true;
        if (id !== focusedId) continue;
        const rest = visibleCards();
        focusCard(rest.length ? rest[Math.min(index, rest.length - 1)] : null);
      }
    }

    /** The server's list of this reviewer's cards: add the new ones, drop what is no longer theirs. */
    function syncCards(list) {
      if (!list) return;
      const keep = new Set(list.map((data) => String(data.id)));
      hide(visibleCards().map((card) => card.dataset.id).filter((id) => !keep.has(id)));
      for (const data of list) {
        const id = String(data.id);
        if (decided.has(id)) continue;
        cards.set(id, data);
        if (!cardFor(id)) grid.append(buildCard(data));
      }
      if (!focusedId && visibleCards().length) focusCard(visibleCards()[0]);
    }

    /** Another reviewer holds these designs now: their products' cards go, never decided here. */
    function dropDesigns(designIds) {
      const gone = new Set((designIds || []).map(String));
      hide(visibleCards().map((c) => c.dataset.id).filter((id) => gone.has(String(cards.get(id).design_id))));
    }

    function updateCounts(body) {
      if (typeof body.left === "number") {
        $("pod-left").textContent = body.left;
        $("pod-mode-mockups").querySelector(".pod-mode-count").textContent = body.left;
      }
      if (!visibleCards().length) {
        empty.textContent =
          body.left > 0
            ? "Nothing more for you right now: the " + body.left + " waiting are with other reviewers."
            : "No product is waiting for its mockups to be reviewed.";
      }
    }

    function decide(decision) {
      if (!config.canDecide || !focusedId) return;
      const id = focusedId;
      const extra = { product: id, decision: decision };
      decided.add(id);
      hide([id]); // optimistic: the reviewer moves on while the decision is saved
      if (visibleCards().length < config.refillBelow) extra.refill = "1";
      else {
        const mine = visibleCards().map((c) => cards.get(c.dataset.id)).filter((data) => data.mine);
        extra.have = Array.from(new Set(mine.map((data) => data.design_id))).join(",");
      }
      if (!visibleCards().length) empty.textContent = "Saving your decision and fetching more products…";
      queue = queue.then(async function () {
        const { status, body } = await window.podSend(decideForm, extra);
        if (status === 200) say(body.message, "success");
        else if (status === 409 || status === 404) say(body.message, "error"); // someone else decided first
        else {
          say(body.message || "Not saved.", "error");
          putBack([cards.get(id)]);
        }
        if (body.claimed_until) claimedUntil = body.claimed_until;
        syncCards(body.cards);
        dropDesigns(body.taken);
        updateCounts(body);
      });
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

    function undo() {
      if (!config.canDecide) return;
      queue = queue.then(async function () {
        const { status, body } = await window.podSend(undoForm);
        if (status === 200) {
          putBack(body.products || []);
          syncCards(body.cards);
          say(body.message, "success");
        } else say(body.message || "Nothing was undone.", status === 404 ? "" : "error");
        updateCounts(body);
      });
    }

    function heartbeat(force) {
      if (!claimsForm || (!activeSinceBeat && !force)) return;
      activeSinceBeat = false;
      queue = queue.then(async function () {
        const { status, body } = await window.podSend(claimsForm);
        if (status !== 200) return;
        if (body.claimed_until) claimedUntil = body.claimed_until;
        syncCards(body.cards);
        updateCounts(body);
      });
    }

    function toggleHelp() {
      if (help.open) help.close();
      else help.showModal();
    }

    const actions = {
      ArrowRight: () => showMockup(shown + 1),
      ArrowLeft: () => showMockup(shown - 1),
      j: () => move(1),
      k: () => move(-1),
      g: () => decide("live"),
      d: () => decide("discard"),
      u: () => undo(),
      "?": toggleHelp,
    };

    window.podKeys({
      actions,
      help,
      onEnter: () => focusedId && window.location.assign(cards.get(focusedId).design_url),
      onActivity: () => (activeSinceBeat = true),
    }); // review_send.js
    grid.addEventListener("click", function (event) {
      const card = event.target.closest(".pod-card");
      if (!card) return;
      event.preventDefault();
      focusCard(card);
    });
    strip.addEventListener("click", function (event) {
      const link = event.target.closest("a[data-index]");
      if (!link) return;
      event.preventDefault();
      showMockup(Number(link.dataset.index));
    });
    $("pod-mockup-prev").addEventListener("click", () => showMockup(shown - 1));
    $("pod-mockup-next").addEventListener("click", () => showMockup(shown + 1));
    if (decideForm) {
      decideForm.addEventListener("submit", function (event) {
        event.preventDefault();
        decide(event.submitter && event.submitter.value === "discard" ? "discard" : "live");
      });
    }
    if (undoForm) {
      undoForm.addEventListener("submit", function (event) {
        event.preventDefault();
        undo();
      });
    }
    document.querySelector("[data-pod-help]").addEventListener("click", toggleHelp);

    if (config.canDecide) {
      window.setInterval(heartbeat, config.heartbeatSeconds * 1000);
      document.addEventListener("visibilitychange", function () {
        if (document.visibilityState === "visible") heartbeat(true);
      });
      window.addEventListener("pagehide", function () {
        const data = new FormData(releaseForm);
        if (claimedUntil) data.set("until", claimedUntil);
        navigator.sendBeacon(releaseForm.action, data);
      });
      window.addEventListener("pageshow", function (event) {
        if (event.persisted) heartbeat(true);
      });
    }
    root.dataset.ready = "true";
  }

  const page = document.getElementById("pod-mockups");
  if (page) mockupPage(page);
})();
