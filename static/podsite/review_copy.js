/* The review page's listing copy: title, description and tags of the focused design, edited in place.
 *
 * E edits the title, T the tags (Tab moves between the fields); Enter saves at once, Esc puts the text back.
 * W asks the LLM to write the copy (on the workers) and shows it when it arrives. A save refused because someone
 * else changed the copy first is shown like a decision conflict, with the current copy put in place.
 * review.js owns the focus; this script follows it through the #pod-review data-focus attribute.
 */
(function () {
  "use strict";

  const review = document.getElementById("pod-review");
  const box = document.getElementById("pod-copy");
  if (!review || !box) return;
  const form = document.getElementById("pod-copy-form");
  const statusBox = document.getElementById("pod-review-status");
  const fields = {
    title: document.getElementById("pod-copy-title"),
    description: document.getElementById("pod-copy-description"),
    tags: document.getElementById("pod-copy-tags"),
  };
  const canEdit = box.dataset.canEdit === "true";
  let current = null; // the copy as last read from the server
  let editing = false;
  let pollTimer = null;
  let loading = 0; // ignore answers for a design that is no longer focused

  function say(message, kind) {
    statusBox.textContent = message;
    statusBox.className = "pod-review-status" + (kind ? " is-" + kind : "");
    statusBox.setAttribute("role", kind === "error" ? "alert" : "status");
  }

  function setReading(reading) {
    editing = !reading;
    box.classList.toggle("is-reading", reading);
    box.classList.toggle("is-editing", !reading);
    for (const input of Object.values(fields)) input.readOnly = reading;
  }

  function showErrors(problems) {
    for (const name of Object.keys(fields)) {
      const slot = box.querySelector('[data-error-for="' + name + '"]');
      slot.textContent = problems && problems[name] ? problems[name].join(" ") : "";
    }
  }

  function tagsOf(text) {
    return text.split(/[,;]/).map((tag) => tag.trim()).filter(Boolean);
  }

  function updateCounts() {
    if (!current) return;
    const limits = current.limits;
    const title = box.querySelector('[data-count-for="title"]');
    const length = fields.title.value.trim().length;
    const short = length > 0 && length < (limits.title_min || 0);
    title.textContent = length + " / " + limits.title + (short ? " · at least " + limits.title_min : "");
    title.classList.toggle("is-over", length > limits.title || short);
    const tags = tagsOf(fields.tags.value);
    const counter = box.querySelector('[data-count-for="tags"]');
    if (!limits.tags) {
      // No shop sold in shows tags (eBay): they are kept, never sent.
      counter.textContent = tags.length + " (not sent: no tags on this channel)";
      counter.classList.remove("is-over");
      return;
    }
    const long = tags.filter((tag) => tag.length > limits.tag).length;
    counter.textContent =
      tags.length + " / " + limits.tags + (long ? " · " + long + " longer than " + limits.tag + " characters" : "");
    counter.classList.toggle("is-over", tags.length > limits.tags || long > 0);
  }

  function render(copy) {
    current = copy;
    document.getElementById("pod-copy-design").value = copy.id;
    document.getElementById("pod-copy-revision").value = copy.revision;
    fields.title.value = copy.title;
    fields.description.value = copy.description;
    fields.tags.value = copy.tags.join(", ");
    const status = document.getElementById("pod-copy-status");
    const note = copy.copy_note || "";
    // A failure's note starts with "Copy failed:" itself: the label is not said twice.
    status.textContent = note.startsWith(copy.copy_status_label) ? note : copy.copy_status_label + (note ? " · " + note : "");
    status.classList.toggle("is-failed", copy.copy_status === "failed");
    box.classList.toggle("is-writing", copy.writing);
    const warnings = document.getElementById("pod-copy-warnings");
    warnings.replaceChildren(
      ...copy.warnings.map((text) => {
        const item = document.createElement("li");
        item.textContent = text;
        return item;
      })
    );
    showErrors(null);
    updateCounts();
    // The card and the stage show the title too (review.js reads the card's data when it focuses it).
    const card = document.querySelector('.pod-card[data-id="' + copy.id + '"]');
    if (card) card.dataset.title = copy.title;
    if (review.dataset.focus === String(copy.id)) {
      document.getElementById("pod-stage-title").textContent = copy.title;
    }
    clearTimeout(pollTimer);
    if (copy.writing) pollTimer = setTimeout(() => load(copy.id, true), 1500);
  }

  async function request(url, options) {
    let response;
    try {
      response = await fetch(url, {
        credentials: "same-origin",
        ...options,
        headers: { Accept: "application/json", ...(options && options.headers) },
      });
    } catch (error) {
      return { status: 0, body: { message: "Could not reach the server; nothing was saved." } };
    }
    try {
      return { status: response.status, body: await response.json() };
    } catch (error) {
      return { status: response.status, body: { message: "The server answered " + response.status + "." } };
    }
  }

  async function load(id, quietly) {
    if (!id) return;
    const ticket = ++loading;
    const { status, body } = await request(box.dataset.stateUrl.replace(/0\/$/, id + "/"));
    if (ticket !== loading || review.dataset.focus !== String(id)) return;
    if (editing && quietly) return; // never replace what someone is typing
    if (status === 200) {
      setReading(true);
      render(body.copy);
    } else if (!quietly) {
      say(body.message || "Could not read the listing copy.", "error");
    }
  }

  function post(url, values) {
    const data = new FormData();
    data.set("csrfmiddlewaretoken", form.querySelector("[name=csrfmiddlewaretoken]").value);
    for (const [key, value] of Object.entries(values)) data.set(key, value);
    return request(url, {
      method: "POST",
      body: data,
      headers: { "X-CSRFToken": data.get("csrfmiddlewaretoken") },
    });
  }

  function edit(name) {
    if (!canEdit || !current || review.dataset.focus !== String(current.id)) return;
    setReading(false);
    fields[name].focus();
    fields[name].select();
  }

  function cancel() {
    if (current) render(current);
    setReading(true);
    document.activeElement.blur();
    say("Edit cancelled; nothing was saved.", "");
  }

  async function save() {
    if (!current) return;
    const id = current.id;
    const { status, body } = await post(form.action, {
      design: id,
      revision: current.revision,
      title: fields.title.value,
      description: fields.description.value,
      tags: fields.tags.value,
    });
    if (status === 200) {
      setReading(true);
      document.activeElement.blur();
      render(body.copy);
      say(body.message, "success");
    } else if (status === 400 && body.problems) {
      showErrors(body.problems); // stay in the editor: the text is still there to fix
      say(body.message, "error");
    } else if ((status === 409 || status === 404) && body.copy) {
      // Someone else changed the copy first: show theirs, as a decided-first conflict is shown.
      setReading(true);
      document.activeElement.blur();
      render(body.copy);
      say(body.message, "error");
    } else {
      say(body.message || "Not saved.", "error");
    }
  }

  async function write() {
    if (!canEdit || !current || editing) return;
    const { status, body } = await post(box.dataset.writeUrl, { design: current.id });
    if (body.copy && review.dataset.focus === String(body.copy.id)) render(body.copy);
    say(body.message || "No copy was requested.", status === 200 ? "success" : "error");
  }

  setReading(true);
  Object.values(fields).forEach((input) => {
    input.addEventListener("input", updateCounts);
    input.addEventListener("focus", () => {
      if (!editing && canEdit) setReading(false);
    });
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    save();
  });
  const cancelButton = box.querySelector("[data-copy-cancel]");
  if (cancelButton) cancelButton.addEventListener("click", cancel);
  const editButton = box.querySelector("[data-copy-edit]");
  if (editButton) editButton.addEventListener("click", () => edit("title"));
  const writeButton = box.querySelector("[data-copy-write]");
  if (writeButton) writeButton.addEventListener("click", write);

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (box.contains(event.target) && editing) {
      if (event.key === "Escape") {
        event.preventDefault();
        cancel();
      } else if (event.key === "Enter" && !(event.shiftKey && event.target === fields.description)) {
        event.preventDefault();
        save();
      }
      return;
    }
    const tag = event.target.tagName;
    if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT") return;
    const dialog = document.getElementById("pod-keys");
    if (dialog && dialog.open) return;
    const keys = { e: () => edit("title"), t: () => edit("tags"), w: write };
    const action = keys[event.key.toLowerCase()];
    if (action) {
      event.preventDefault();
      action();
    }
  });

  // Follow the design review.js focuses.
  new MutationObserver(() => {
    if (editing) setReading(true); // moving on abandons an unsaved edit, as Esc would
    load(review.dataset.focus);
  }).observe(review, { attributes: true, attributeFilter: ["data-focus"] });

  // The keys this script adds, listed in the page's help dialog.
  const helpTable = document.querySelector("#pod-keys table");
  if (helpTable && canEdit) {
    for (const [keys, text] of [
      ["E", "Edit the listing copy (title first; Tab moves on)"],
      ["T", "Edit the tags"],
      ["Enter / Esc", "While editing: save / put the text back"],
      ["W", "Write listing copy with the LLM"],
    ]) {
      const row = helpTable.insertRow(-1);
      row.insertCell().textContent = keys;
      row.insertCell().textContent = text;
    }
  }
  // Ready once the focused design's copy (revision, limits, warnings) is known: E before that would edit blind.
  load(review.dataset.focus).finally(() => {
    box.dataset.ready = "true";
  });
})();
