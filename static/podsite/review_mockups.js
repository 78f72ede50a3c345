/* The review page's mockup mode: review_grid.js (which see) configured for products waiting on Printify, one card
 * each; G sends one live, D discards it, U undoes. ← and → flip through the focused product's mockups (shown
 * large), J and K move between products.
 */
(function () {
  "use strict";

  function mockupMode(root) {
    const $ = (id) => document.getElementById(id);
    const strip = $("pod-mockup-strip");
    let grid = null; // review_grid.js's: the focused card's data
    let shown = 0; // the index of the mockup shown large

    function showMockup(index) {
      const product = grid && grid.focused();
      if (!product || !product.mockups.length) return;
      shown = (index + product.mockups.length) % product.mockups.length;
      const img = $("pod-mockup-img");
      img.src = product.mockups[shown];
      img.alt = "Mockup " + (shown + 1) + " of product " + product.id;
      $("pod-mockup-count").textContent = shown + 1 + " / " + product.mockups.length;
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
      showMockup(0);
    }

    function fillCard(data, link) {
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
    }

    grid = window.podReviewGrid(root, {
      decisions: { g: "live", d: "discard" },
      showStage,
      fillCard,
      keys: () => ({ ArrowRight: () => showMockup(shown + 1), ArrowLeft: () => showMockup(shown - 1) }),
      onEnter: (data) => window.location.assign(data.design_url),
    });
    strip.addEventListener("click", function (event) {
      const link = event.target.closest("a[data-index]");
      if (!link) return;
      event.preventDefault();
      showMockup(Number(link.dataset.index));
    });
    const shopSelect = $("pod-shop");
    if (shopSelect) shopSelect.addEventListener("change", () => shopSelect.form.submit());
    $("pod-mockup-prev").addEventListener("click", () => showMockup(shown - 1));
    $("pod-mockup-next").addEventListener("click", () => showMockup(shown + 1));
  }

  const page = document.getElementById("pod-mockups");
  if (page) mockupMode(page);
})();
