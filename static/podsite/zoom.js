/* 100 % view of an image in its frame, shared by the review page and compare mode: toggled by a click or Z
 * (the pages' scripts call toggle()), panned by dragging. Loaded before review.js and compare.js. */
(function () {
  "use strict";

  /** 100 % view of an image in its frame: toggled by click or Z, panned by dragging. */
  function zoomable(frame, img, label) {
    let dragging = null;
    function fitText() {
      if (!img.naturalWidth) return "Fit";
      return "Fit (" + Math.round((100 * img.clientWidth) / img.naturalWidth) + " %)";
    }
    function set(zoomed, at) {
      frame.classList.toggle("is-zoomed", zoomed);
      if (label) label.textContent = zoomed ? "100 %" : fitText();
      if (zoomed && img.naturalWidth) {
        // Keep the point under the pointer (or the centre) where it was.
        const x = at ? at.x : 0.5;
        const y = at ? at.y : 0.5;
        frame.scrollLeft = x * img.naturalWidth - frame.clientWidth / 2;
        frame.scrollTop = y * img.naturalHeight - frame.clientHeight / 2;
      }
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
      set(!frame.classList.contains("is-zoomed"), at);
    });
    function showFit() {
      if (label && !frame.classList.contains("is-zoomed")) label.textContent = fitText();
    }
    img.addEventListener("load", showFit);
    if (img.complete) showFit(); // loaded before this script ran
    window.addEventListener("resize", showFit);
    return {
      toggle: () => set(!frame.classList.contains("is-zoomed")),
      reset: () => set(false),
    };
  }

  window.podZoomable = zoomable;
})();
