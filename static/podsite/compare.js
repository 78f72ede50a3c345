/* Compare mode: every variation of one prompt side by side; pick the best with 1–9 or the arrows, Enter
 * submits its form (approve it, reject the others waiting: one decision). Without this script the buttons work.
 * Once open, the page holds the variations waiting for this reviewer (a POST, review_send.js: opening it claims
 * nothing), since leaving the review page gave its claims back. */
(function () {
  "use strict";

  const zoomable = window.podZoomable;

  function typing(event) {
    const tag = event.target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT";
  }

  /** Compare mode: pick the best of a prompt's variations with 1–9 or the arrows, Enter to decide. */
  function comparePage(root) {
    const figures = Array.from(root.querySelectorAll(".pod-variation"));
    const choosable = figures.filter((figure) => figure.querySelector("form"));
    let selected = choosable.length ? 0 : -1;
    const zooms = figures.map((figure) =>
      zoomable(figure.querySelector(".pod-variation-frame"), figure.querySelector("img"), figure.querySelector(".pod-zoom-label")),
    );

    function select(index) {
      if (index < 0 || index >= choosable.length) return;
      choosable.forEach((figure, i) => figure.classList.toggle("is-selected", i === index));
      selected = index;
      choosable[index].scrollIntoView({ block: "nearest" });
    }
    select(selected);

    document.addEventListener("keydown", function (event) {
      if (event.ctrlKey || event.metaKey || event.altKey || typing(event)) return;
      const key = event.key.toLowerCase();
      if (/^[1-9]$/.test(key)) select(Number(key) - 1);
      else if (key === "arrowright" || key === "j") select(selected + 1);
      else if (key === "arrowleft" || key === "k") select(selected - 1);
      else if ((key === "enter" || key === "b") && selected >= 0 && event.target.tagName !== "BUTTON") {
        choosable[selected].querySelector("form").requestSubmit();
      } else if (key === "z" && selected >= 0) zooms[figures.indexOf(choosable[selected])].toggle();
      else if (key === "escape" || key === "c") window.location.assign(root.dataset.back);
      else return;
      event.preventDefault();
    });
    root.addEventListener("click", function (event) {
      const figure = event.target.closest(".pod-variation");
      if (figure && choosable.includes(figure)) select(choosable.indexOf(figure));
    });
    const hold = document.getElementById("pod-hold-form");
    if (hold) window.podSend(hold).then(() => (root.dataset.ready = "true"));
    else root.dataset.ready = "true";
  }

  const root = document.getElementById("pod-compare");
  if (root) comparePage(root);
})();
