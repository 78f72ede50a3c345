/* 100 % view of an image in its frame, shared by the review page and compare mode: toggled by a click or Z
 * (the pages' scripts call toggle()), panned by dragging. Loaded before review.js and compare.js.
 *
 * The frame shows a preview (at most 1600 px; designs/admin/review_cards.py shown_image_url). When the image has
 * data-original, the 100 % view loads that original only then, and going back to fit shows the preview again.
 * The "Fit (n %)" label is relative to the original's width (the img's width attribute), not the preview's. */
(function () {
  "use strict";

  function absolute(url) {
    return new URL(url, document.baseURI).href;
  }

  /** 100 % view of an image in its frame: toggled by click or Z, panned by dragging.
   * options.onChange(zoomed): told whenever the view changes (a "100 %" button's aria-pressed). */
  function zoomable(frame, img, label, options) {
    const onChange = (options && options.onChange) || function () {};
    let dragging = null;
    let zoomed = false;
    let preview = null; // the preview's URL while the original is shown (or loading)
    let ticket = 0; // a newer change makes an older load's handler do nothing

    function fullWidth() {
      return Number(img.getAttribute("width")) || img.naturalWidth;
    }
    function fitText() {
      if (!img.naturalWidth || !fullWidth()) return "Fit";
      return "Fit (" + Math.round((100 * img.clientWidth) / fullWidth()) + " %)";
    }
    function centre(at) {
      frame.classList.remove("is-loading");
      frame.classList.add("is-zoomed");
      if (label) label.textContent = "100 %";
      if (img.naturalWidth) {
        // Keep the point under the pointer (or the centre) where it was.
        const x = at ? at.x : 0.5;
        const y = at ? at.y : 0.5;
        frame.scrollLeft = x * img.naturalWidth - frame.clientWidth / 2;
        frame.scrollTop = y * img.naturalHeight - frame.clientHeight / 2;
      }
    }
    function set(wanted, at) {
      const mine = ++ticket;
      zoomed = wanted;
      onChange(zoomed);
      if (!zoomed) {
        frame.classList.remove("is-zoomed", "is-loading");
        if (preview !== null) {
          img.src = preview;
          preview = null;
        }
        if (label) label.textContent = fitText();
        return;
      }
      const original = img.dataset.original;
      if (!original || absolute(original) === img.src) {
        centre(at);
        return;
      }
      // The original, on demand: the preview stays in place until it has arrived.
      preview = img.getAttribute("src");
      frame.classList.add("is-loading");
      if (label) label.textContent = "Loading 100 %…";
      function loaded() {
        img.removeEventListener("error", failed);
        if (mine === ticket) centre(at);
      }
      function failed() {
        img.removeEventListener("load", loaded);
        if (mine !== ticket) return;
        set(false);
        if (label) label.textContent = "The original could not be loaded";
      }
      img.addEventListener("load", loaded, { once: true });
      img.addEventListener("error", failed, { once: true });
      img.src = original;
    }

    img.draggable = false; // the browser's own image drag would swallow the pan
    frame.addEventListener("dragstart", (event) => event.preventDefault());
    frame.addEventListener("pointerdown", function (event) {
      dragging = { x: event.clientX, y: event.clientY, left: frame.scrollLeft, top: frame.scrollTop, moved: false };
    });
    frame.addEventListener("pointermove", function (event) {
      if (!dragging || !frame.classList.contains("is-zoomed")) return;
      const dx = event.clientX - dragging.x;
      const dy = event.clientY - dragging.y;
      if (Math.abs(dx) + Math.abs(dy) > 3) dragging.moved = true;
      frame.scrollLeft = dragging.left - dx;
      frame.scrollTop = dragging.top - dy;
    });
    frame.addEventListener("pointerup", function (event) {
      const moved = dragging && dragging.moved;
      dragging = null;
      if (moved || event.button !== 0) return;
      const box = img.getBoundingClientRect();
      const at = { x: (event.clientX - box.left) / box.width, y: (event.clientY - box.top) / box.height };
      set(!zoomed, at);
    });
    function showFit() {
      if (label && !zoomed) label.textContent = fitText();
    }
    img.addEventListener("load", showFit);
    if (img.complete) showFit(); // loaded before this script ran
    window.addEventListener("resize", showFit);
    return {
      toggle: () => set(!zoomed),
      /** Back to fit for a new image: the caller sets the new src (the preview is not put back first). */
      reset: function () {
        ticket++;
        zoomed = false;
        preview = null;
        frame.classList.remove("is-zoomed", "is-loading");
        onChange(false);
        if (label) label.textContent = fitText();
      },
    };
  }

  window.podZoomable = zoomable;
})();
