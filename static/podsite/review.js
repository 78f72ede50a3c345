/* The review page's design mode: review_grid.js (which see) configured for designs; A approves, R rejects (with
 * the reason typed), U undoes (zoom.js first; compare.js: compare mode).
 *
 * The stage shows a preview with the design's print quality (DPI badge, explanation, "no transparency" flag, the
 * garment colours a transparent design nearly vanishes on; the
 * backdrops are print.js's); the 100 % view (Z, a click, the "100 %" button) loads the original only then.
 */
(function () {
  "use strict";

  function designMode(root) {
    const $ = (id) => document.getElementById(id);
    const config = JSON.parse($("pod-review-config").textContent);
    const reason = $("pod-reason");
    const fullButton = $("pod-full");
    const batchSelect = $("pod-batch");
    const zoom = window.podZoomable($("pod-stage-frame"), $("pod-stage-img"), $("pod-zoom-label"), {
      onChange: (zoomed) => fullButton && fullButton.setAttribute("aria-pressed", String(zoomed)),
    });

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
      const contrast = $("pod-stage-contrast");
      contrast.hidden = !data.contrast;
      contrast.title = data.contrast || "";
      $("pod-stage-contrast-colours").textContent = data.contrast_colours || "";
    }

    function fillCard(data, link, card) {
      if (data.duplicate) card.classList.add("has-duplicate");
      link.title = data.prompt;
      const thumb = document.createElement(data.thumbnail_url ? "img" : "span");
      thumb.className = "pod-card-thumb" + (data.thumbnail_url ? "" : " pod-thumb-empty");
      if (data.thumbnail_url) {
        thumb.src = data.thumbnail_url;
        thumb.alt = "Design " + data.id;
      } else thumb.textContent = "—";
      const label = document.createElement("span");
      label.className = "pod-card-id";
      label.textContent = "#" + data.id;
      link.append(thumb, label);
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
      if (data.contrast) {
        const flag = document.createElement("span");
        flag.className = "pod-card-flag pod-card-contrast";
        flag.title = data.contrast;
        flag.textContent = "◐";
        link.append(flag);
      }
    }

    function fields(decision) {
      const typed = decision === "reject" && reason ? { reason: reason.value } : {};
      if (reason) reason.value = "";
      return typed;
    }

    const grid = window.podReviewGrid(root, {
      decisions: { a: "approve", r: "reject" },
      showStage,
      fillCard,
      fields,
      keys: (grid) => ({
        ArrowRight: () => grid.move(1),
        ArrowLeft: () => grid.move(-1),
        z: () => grid.focused() && zoom.toggle(),
        c: () => {
          const link = $("pod-stage-compare");
          if (grid.focused() && !link.hidden) window.location.assign(link.href);
        },
      }),
      onEnter: (data) => window.location.assign(data.change_url),
      onFocus: (data, next) => next && (new Image().src = next.image_url), // moving on feels instant
    });
    if (fullButton) fullButton.addEventListener("click", () => grid.focused() && zoom.toggle());
    if (batchSelect) batchSelect.addEventListener("change", () => batchSelect.form.submit());
  }

  const review = document.getElementById("pod-review");
  if (review) designMode(review);
})();
