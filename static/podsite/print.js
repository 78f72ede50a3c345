/* Backdrops for images with transparency: checkerboard, light garment, dark garment (change page, review page).
 *
 * Buttons with data-backdrop="checker|light|dark" switch the class of the nearest [data-pod-backdrop] element
 * before them in the same field (or the one named by data-target). The choice is remembered for the session.
 */
(function () {
  "use strict";

  const KEY = "pod-backdrop";
  const NAMES = ["checker", "light", "dark"];

  function targetFor(button) {
    if (button.dataset.target) return document.getElementById(button.dataset.target);
    const group = button.closest(".pod-backdrop-choice");
    let node = group ? group.previousElementSibling : null;
    while (node && !node.hasAttribute("data-pod-backdrop")) node = node.previousElementSibling;
    return node;
  }

  function apply(target, name, group) {
    if (!target) return;
    NAMES.forEach((each) => target.classList.toggle("pod-backdrop-" + each, each === name));
    if (group) {
      group.querySelectorAll("[data-backdrop]").forEach((button) => {
        button.setAttribute("aria-pressed", String(button.dataset.backdrop === name));
      });
    }
  }

  document.addEventListener("click", (event) => {
    const button = event.target.closest("[data-backdrop]");
    if (!button) return;
    event.preventDefault();
    const name = button.dataset.backdrop;
    apply(targetFor(button), name, button.closest(".pod-backdrop-choice"));
    try { sessionStorage.setItem(KEY, name); } catch (error) { /* private mode: not remembered */ }
  });

  let saved = null;
  try { saved = sessionStorage.getItem(KEY); } catch (error) { saved = null; }
  if (saved && NAMES.includes(saved)) {
    document.querySelectorAll(".pod-backdrop-choice").forEach((group) => {
      const first = group.querySelector("[data-backdrop]");
      if (first) apply(targetFor(first), saved, group);
    });
  }
})();
