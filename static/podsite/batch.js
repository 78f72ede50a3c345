/* A batch's page: while designs are on their way, re-read the page every few seconds and swap in the new
 * progress block (counts, thumbnails, review link). The form below is never touched, so typing is safe. */
(function () {
  "use strict";

  async function refresh() {
    const block = document.getElementById("pod-batch-progress");
    if (!block || !block.dataset.refresh) return;
    try {
      const response = await fetch(window.location.href, { credentials: "same-origin" });
      if (!response.ok) return schedule(block);
      const page = new DOMParser().parseFromString(await response.text(), "text/html");
      const fresh = page.getElementById("pod-batch-progress");
      if (fresh) block.replaceWith(document.importNode(fresh, true));
    } catch (error) {
      // Offline for a moment: try again at the next tick.
    }
    schedule(document.getElementById("pod-batch-progress"));
  }

  function schedule(block) {
    if (block && block.dataset.refresh) window.setTimeout(refresh, Number(block.dataset.refresh) * 1000);
  }

  schedule(document.getElementById("pod-batch-progress"));
})();
