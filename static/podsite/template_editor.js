/* The product template editor: grid toggles, showing only the fields that apply, and the placement preview.
 *
 * The page works without this script (every checkbox and field is a plain form field). With it: the row, column
 * and "All" buttons tick or clear every variant in stock of that row, column or grid; the price table dims the
 * variants that are not ticked; the rule's fields and the custom placement fields show when they apply; and the
 * placement preview draws a chosen approved design (its own preview image, through our media URLs) on the print
 * area, over the catalog's picture of the blank, for fit, fill or custom placement, with the DPI it prints at on
 * the largest print area of the ticked variants (the same formula as designs/print_quality.py).
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

  // --- the placement preview: the chosen design on the print area, over the blueprint's picture
  const stage = document.getElementById("pod-stage");
  const picture = document.getElementById("pod-stage-picture");
  const areaBox = document.getElementById("pod-area");
  const art = document.getElementById("pod-art");
  const ghost = document.getElementById("pod-art-ghost");
  const caption = document.getElementById("pod-placement-caption");
  const dpiLine = document.getElementById("pod-placement-dpi");
  const designPicker = document.getElementById("pod-preview-design");
  const dataNode = document.getElementById("pod-placement-data");
  const data = dataNode ? JSON.parse(dataNode.textContent) : { areas: {}, designs: [], sample: [3, 4], dpi: {} };
  const custom = document.getElementById("pod-custom");
  let garment = ""; // the fabric colour chosen ("" = the catalog's picture as it is)
  let garmentName = "";
  const contrastNote = document.getElementById("pod-contrast-note");
  const pictureNote = document.getElementById("pod-picture-note");

  // A sample shape (3:4) when no design is approved yet: an SVG of our own, never a remote file.
  const SAMPLE = "data:image/svg+xml," + encodeURIComponent(
    '<svg xmlns="http://www.w3.org/2000/svg" width="300" height="400" viewBox="0 0 300 400">' +
    '<defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="#2a9d8f"/>' +
    '<stop offset="1" stop-color="#e76f51"/></linearGradient></defs><rect width="300" height="400" fill="url(#g)"/>' +
    '<circle cx="150" cy="200" r="75" fill="#fff" fill-opacity="0.85"/></svg>');

  // Where a print area sits on a catalog picture of the blank, as a share of the picture: centre x, centre y, the
  // largest width and height it may take. The catalog does not say, so these are rough guesses per kind of
  // position (the page says so); the print area's proportions and the design on it are exact.
  function spotOnPicture(position) {
    const name = (position || "").toLowerCase();
    if (name.indexOf("sleeve") >= 0) return [name.indexOf("right") >= 0 ? 0.2 : 0.8, 0.33, 0.14, 0.16];
    if (name.indexOf("neck") >= 0) return [0.5, 0.2, 0.16, 0.12];
    if (name.indexOf("chest") >= 0 || name.indexOf("pocket") >= 0) return [0.62, 0.36, 0.16, 0.16];
    if (name === "front" || name === "back") return [0.5, 0.5, 0.4, 0.5];
    return [0.5, 0.5, 0.72, 0.76];
  }

  function number(name, fallback) {
    const field = form.querySelector('[name="' + name + '"]');
    const value = field ? parseFloat(field.value) : NaN;
    return isNaN(value) ? fallback : value;
  }

  function chosenDesign() {
    const index = designPicker ? parseInt(designPicker.value, 10) : NaN;
    const design = isNaN(index) ? null : data.designs[index];
    if (design && design.width && design.height) return design;
    return { id: null, label: "A sample shape (3:4)", url: SAMPLE, width: data.sample[0], height: data.sample[1] };
  }

  /** Printify's scale (the image's width as a share of the print area's width) for each placement mode, as
   *  designs/product_templates.placement_scale works it out. */
  function scaleFor(mode, image, area) {
    const relativeWidth = (image[0] / image[1]) / (area[0] / area[1]);
    if (mode === "fit") return Math.round(Math.min(1, relativeWidth) * 10000) / 10000;
    if (mode === "fill") return Math.round(Math.max(1, relativeWidth) * 10000) / 10000;
    return number("scale", 1);
  }

  /** The print-area sizes of the ticked variants (all of them while none is ticked), biggest first. */
  function groupsFor(position) {
    const groups = data.areas[position] || [];
    const ticked = new Set(boxes.filter(function (box) { return box.checked; }).map(function (box) {
      return parseInt(box.dataset.variant, 10);
    }));
    const used = groups.filter(function (group) {
      return group.variants.some(function (id) { return ticked.has(id); });
    });
    return used.length ? used : groups;
  }

  function level(dpi) {
    if (dpi >= data.dpi.target) return ["good", "print-ready"];
    if (dpi >= data.dpi.min) return ["low", "acceptable"];
    return ["bad", "too low: it would print blurry"];
  }

  function isDark(css) {
    const hex = css.replace("#", "");
    const rgb = [0, 2, 4].map(function (i) { return parseInt(hex.substr(i, 2), 16) / 255; });
    return 0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2] < 0.35;
  }

  function pictureRect() {
    // The picture is shown whole (object-fit: contain): the box it really takes inside the stage.
    const width = stage.clientWidth, height = stage.clientHeight;
    if (!picture || !picture.naturalWidth || picture.hidden || garment) return null;
    const fit = Math.min(width / picture.naturalWidth, height / picture.naturalHeight);
    const w = picture.naturalWidth * fit, h = picture.naturalHeight * fit;
    return { left: (width - w) / 2, top: (height - h) / 2, width: w, height: h };
  }

  function draw() {
    const modeField = form.querySelector('input[name="placement_mode"]:checked');
    const mode = modeField ? modeField.value : "fit";
    if (custom) custom.hidden = mode !== "fixed";
    if (!stage || !areaBox) return;
    const position = (form.querySelector('[name="print_position"]') || {}).value;
    const groups = groupsFor(position);
    if (!groups.length) {
      areaBox.hidden = true;
      if (caption) caption.textContent = "No print area to show: the catalog lists none for this position.";
      if (dpiLine) dpiLine.textContent = "";
      return;
    }
    areaBox.hidden = false;
    const design = chosenDesign();
    const image = [design.width, design.height];
    // The DPI on each print-area size (scale differs per size for fit and fill); the worst one is drawn.
    const measured = groups.map(function (group) {
      const scale = scaleFor(mode, image, group.size);
      return { group: group, scale: scale, dpi: data.dpi.print * image[0] / (group.size[0] * scale) };
    });
    const worst = measured.reduce(function (a, b) { return b.dpi < a.dpi ? b : a; });
    const area = worst.group.size;

    // The print area's box: on the picture at its approximate place, or as large as the stage allows.
    const rect = pictureRect();
    let room;
    if (rect) {
      const spot = spotOnPicture(position);
      room = { cx: rect.left + spot[0] * rect.width, cy: rect.top + spot[1] * rect.height,
               w: spot[2] * rect.width, h: spot[3] * rect.height };
    } else {
      const pad = 28;
      room = { cx: stage.clientWidth / 2, cy: stage.clientHeight / 2,
               w: stage.clientWidth - 2 * pad, h: stage.clientHeight - 2 * pad };
    }
    const fit = Math.min(room.w / area[0], room.h / area[1]);
    const w = area[0] * fit, h = area[1] * fit;
    areaBox.style.left = (room.cx - w / 2) + "px";
    areaBox.style.top = (room.cy - h / 2) + "px";
    areaBox.style.width = w + "px";
    areaBox.style.height = h + "px";
    // A fabric colour fills the stage (the picture's own colour cannot be changed); the print area's outline stays
    // visible on it.
    stage.classList.toggle("pod-stage-fabric", Boolean(garment));
    stage.style.background = garment || "";
    if (pictureNote) {
      if (!pictureNote.dataset.text) pictureNote.dataset.text = pictureNote.textContent;
      pictureNote.textContent = garment
        ? "The fabric in " + garmentName + " fills the picture's place: the print area is shown on it alone."
        : pictureNote.dataset.text;
    }
    areaBox.classList.toggle("pod-area-on-dark", Boolean(garment) && isDark(garment));

    // The design: its centre at (x, y) of the area, its width scale × the area's width, turned by the angle.
    const x = mode === "fixed" ? number("x", 0.5) : 0.5;
    const y = mode === "fixed" ? number("y", 0.5) : 0.5;
    const angle = mode === "fixed" ? number("angle", 0) : 0;
    const artWidth = w * worst.scale, artHeight = artWidth * image[1] / image[0];
    [art, ghost].forEach(function (img) {
      if (img.getAttribute("src") !== design.url) img.src = design.url;
      img.style.width = artWidth + "px";
      img.style.height = artHeight + "px";
      img.style.left = (x * w - artWidth / 2) + "px";
      img.style.top = (y * h - artHeight / 2) + "px";
      img.style.transform = angle ? "rotate(" + angle + "deg)" : "";
    });
    art.alt = design.id ? "Design " + design.label + " on the print area" : "A sample shape on the print area";
    const vanishes = design.vanishes_on || [];
    document.querySelectorAll(".pod-colour-choice").forEach(function (button) {
      const mark = button.querySelector(".pod-vanish-mark");
      if (mark) mark.hidden = vanishes.indexOf(button.dataset.name) < 0;
    });
    if (contrastNote) {
      const lost = garmentName && vanishes.indexOf(garmentName) >= 0;
      contrastNote.hidden = !lost;
      contrastNote.textContent = lost ? "On " + garmentName + " this design nearly vanishes: most of its ink is " +
        "below 2:1 contrast against the fabric. The publish confirmation offers to leave " + garmentName +
        " out of its product." : "";
    }

    const inches = function (px) { return (px / data.dpi.print).toFixed(1); };
    const what = design.id ? "Design " + design.label.split(" ")[0] + " (" + design.width + " × " + design.height +
      " px" + (design.file === "print file" ? ", its print file" : "") + ")" : "A sample shape (3:4)";
    if (caption) {
      caption.textContent = "Print area “" + position + "”: " + area[0] + " × " + area[1] + " px (" +
        inches(area[0]) + " × " + inches(area[1]) + " in at " + data.dpi.print + " DPI)" +
        (groups.length > 1 ? ", sizes " + worst.group.sizes : "") + ". " + what + " at scale " +
        worst.scale.toFixed(2) + "." +
        (mode === "fill" ? " What falls outside the dashed line is not printed (shown faded)." : "");
    }
    if (dpiLine) {
      dpiLine.textContent = "";
      if (!design.id) {
        dpiLine.textContent = "DPI: choose an approved design to see how sharp it prints.";
        return;
      }
      const dpi = Math.floor(worst.dpi);
      const found = level(worst.dpi);
      const badge = document.createElement("span");
      badge.className = "pod-dpi pod-dpi-" + found[0];
      badge.textContent = dpi + " DPI";
      const where = groups.length > 1 ? " on sizes " + worst.group.sizes + ", the largest print area ticked" : "";
      dpiLine.append("Prints at ", badge, ": " + found[1] + where + " (print-ready from " + data.dpi.target +
        " DPI; below " + data.dpi.min + " publishing is refused).");
    }
  }

  if (designPicker) designPicker.addEventListener("change", draw);
  document.querySelectorAll(".pod-colour-choice").forEach(function (button) {
    button.addEventListener("click", function () {
      garment = button.dataset.colour;
      garmentName = button.dataset.name || "";
      document.querySelectorAll(".pod-colour-choice").forEach(function (other) {
        other.setAttribute("aria-pressed", String(other === button));
      });
      draw();
    });
  });
  function pictureFailed() {
    // The picture could not be loaded (offline, or gone from the catalog): the print area alone.
    picture.hidden = true;
    const asPictured = document.querySelector('.pod-colour-choice[data-colour=""]');
    if (asPictured) asPictured.textContent = "plain";
    stage.classList.add("pod-stage-plain");
    if (pictureNote) {
      pictureNote.textContent = "The catalog's picture of this blueprint could not be loaded; the print area is " +
        "shown alone.";
      pictureNote.dataset.text = pictureNote.textContent;
    }
    draw();
  }
  if (picture) {
    picture.addEventListener("load", draw);
    picture.addEventListener("error", pictureFailed);
    if (picture.complete && !picture.naturalWidth) pictureFailed(); // it failed before this script ran
  }
  if (grid) grid.addEventListener("change", draw);
  window.addEventListener("resize", draw);

  // --- the fixed image's small preview follows its fields (its own form's, shown inside this one)
  const fixedImage = document.getElementById("pod-fixed-image");
  function placeFixed() {
    if (!fixedImage) return;
    const value = function (name, fallback) {
      const field = document.querySelector('[name="fixed-' + name + '"]');
      const read = field ? parseFloat(field.value) : NaN;
      return isNaN(read) ? fallback : read;
    };
    fixedImage.style.left = value("x", 0.5) * 100 + "%";
    fixedImage.style.top = value("y", 0.5) * 100 + "%";
    fixedImage.style.width = value("scale", 1) * 100 + "%";
    fixedImage.style.transform = "translate(-50%, -50%) rotate(" + value("angle", 0) + "deg)";
  }
  form.addEventListener("input", function (event) {
    if (/^fixed-(x|y|scale|angle)$/.test(event.target.name || "")) placeFixed();
  });

  showRule();
  refresh();
  draw();
})();
