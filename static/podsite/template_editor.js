/* The product template editor: grid toggles, showing only the fields that apply, and the placement preview.
 *
 * The page works without this script (every checkbox and field is a plain form field). With it: the row, column
 * and "All" buttons tick or clear every variant in stock of that row, column or grid; the price table dims the
 * variants that are not ticked; the rule's fields and the custom placement fields show when they apply; and a
 * canvas draws where a sample design lands on the chosen print area for fit, fill or custom placement.
 */
(function () {
  "use strict";

  const form = document.getElementById("pod-editor");
  if (!form) return;
  const grid = document.getElementById("pod-grid");
  const boxes = grid ? Array.from(grid.querySelectorAll('input[type="checkbox"][data-variant]')) : [];
  const countLine = document.getElementById("pod-grid-count");

  function cellOf(box) {
    return box.closest("td");
  }

  function toggle(selected) {
    const usable = selected.filter(function (box) { return !box.disabled; });
    const allOn = usable.length > 0 && usable.every(function (box) { return box.checked; });
    usable.forEach(function (box) { box.checked = !allOn; });
    refresh();
  }

  if (grid) {
    grid.addEventListener("click", function (event) {
      const button = event.target.closest("button[data-toggle]");
      if (!button) return;
      event.preventDefault();
      const kind = button.dataset.toggle;
      const key = button.dataset.key;
      toggle(boxes.filter(function (box) {
        const cell = cellOf(box);
        if (kind === "row") return cell.dataset.row === key;
        if (kind === "col") return cell.dataset.col === key;
        return true;
      }));
    });
    grid.addEventListener("change", refresh);
  }

  function refresh() {
    let on = 0;
    boxes.forEach(function (box) {
      if (box.checked) on += 1;
      const row = document.querySelector('.pod-price-row[data-variant="' + box.dataset.variant + '"]');
      if (row) row.classList.toggle("pod-off", !box.checked);
    });
    if (countLine) {
      countLine.textContent = on === 0
        ? "No variant ticked yet: tick at least one to sell."
        : on + " variant" + (on === 1 ? "" : "s") + " ticked.";
    }
  }

  // --- the fields that apply
  const useRule = form.querySelector('input[name="use_rule"]');
  const ruleFields = document.getElementById("pod-rule-fields");
  function showRule() {
    if (useRule && ruleFields) ruleFields.hidden = !useRule.checked;
    const basis = form.querySelector('input[name="basis"]:checked');
    document.querySelectorAll("[data-basis]").forEach(function (part) {
      part.hidden = !basis || part.dataset.basis !== basis.value;
    });
  }
  form.addEventListener("change", function (event) {
    if (event.target.name === "use_rule" || event.target.name === "basis") showRule();
    if (["placement_mode", "print_position", "x", "y", "scale", "angle"].indexOf(event.target.name) >= 0) draw();
  });
  form.addEventListener("input", function (event) {
    if (["x", "y", "scale", "angle"].indexOf(event.target.name) >= 0) draw();
  });

  // --- the placement preview
  const canvas = document.getElementById("pod-placement");
  const caption = document.getElementById("pod-placement-caption");
  const dataNode = document.getElementById("pod-placement-data");
  const data = dataNode ? JSON.parse(dataNode.textContent) : { areas: {}, sample: [3, 4] };
  const custom = document.getElementById("pod-custom");

  function number(name, fallback) {
    const field = form.querySelector('[name="' + name + '"]');
    const value = field ? parseFloat(field.value) : NaN;
    return isNaN(value) ? fallback : value;
  }

  function draw() {
    const modeField = form.querySelector('input[name="placement_mode"]:checked');
    const mode = modeField ? modeField.value : "fit";
    if (custom) custom.hidden = mode !== "fixed";
    if (!canvas || !canvas.getContext) return;
    const position = (form.querySelector('[name="print_position"]') || {}).value;
    const area = data.areas[position];
    const ctx = canvas.getContext("2d");
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    if (!area) {
      if (caption) caption.textContent = "No print area to show: the catalog lists none for this position.";
      return;
    }
    // The print area, as large as the canvas allows, keeping its proportions.
    const pad = 20;
    const fit = Math.min((canvas.width - 2 * pad) / area[0], (canvas.height - 2 * pad) / area[1]);
    const w = area[0] * fit, h = area[1] * fit;
    const left = (canvas.width - w) / 2, top = (canvas.height - h) / 2;
    // The sample design's size in print-area pixels (Printify's scale = image width ÷ area width).
    const aspect = data.sample[1] / data.sample[0];
    let scale, x, y, angle = 0;
    const relative = aspect / (area[1] / area[0]);
    if (mode === "fit") {
      scale = Math.min(1, 1 / relative); x = 0.5; y = 0.5;
    } else if (mode === "fill") {
      scale = Math.max(1, 1 / relative); x = 0.5; y = 0.5;
    } else {
      scale = number("scale", 1); x = number("x", 0.5); y = number("y", 0.5); angle = number("angle", 0);
    }
    const sw = w * scale, sh = sw * aspect;
    ctx.save();
    ctx.beginPath();
    ctx.rect(left, top, w, h);
    ctx.fillStyle = "#f4f4f4";
    ctx.fill();
    ctx.clip();
    ctx.translate(left + x * w, top + y * h);
    ctx.rotate(angle * Math.PI / 180);
    const gradient = ctx.createLinearGradient(-sw / 2, -sh / 2, sw / 2, sh / 2);
    gradient.addColorStop(0, "#2a9d8f");
    gradient.addColorStop(1, "#e76f51");
    ctx.fillStyle = gradient;
    ctx.fillRect(-sw / 2, -sh / 2, sw, sh);
    ctx.fillStyle = "rgba(255,255,255,0.85)";
    ctx.beginPath();
    ctx.arc(0, 0, Math.min(sw, sh) / 4, 0, 2 * Math.PI);
    ctx.fill();
    ctx.restore();
    ctx.strokeStyle = "#264653";
    ctx.setLineDash([6, 4]);
    ctx.strokeRect(left, top, w, h);
    ctx.setLineDash([]);
    const inches = function (px) { return (px / 300).toFixed(1); };
    if (caption) {
      caption.textContent = "Print area “" + position + "”: " + area[0] + " × " + area[1] + " px (" +
        inches(area[0]) + " × " + inches(area[1]) + " in at 300 DPI). Sample design (3:4) at scale " +
        scale.toFixed(2) + (mode === "fill" ? "; what falls outside the dashed line is not printed." : ".");
    }
  }

  showRule();
  refresh();
  draw();
})();
