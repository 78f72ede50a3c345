/* What review_grid.js shares with its modes: one POST of a page's form, and the keyboard.
 *
 * window.podSend(form, extra) sends the form's fields (CSRF token included, also as X-CSRFToken) plus `extra`,
 * asks for JSON, and always resolves to {status, body}: status 0 and a message in words when the server could not
 * be reached or did not answer JSON, so a caller never has to catch.
 *
 * window.podKeys({actions, help, onEnter, onActivity}) runs `actions[key]` (either case) for a key pressed outside a
 * form field (Escape leaves the field) and not while the help dialog is open; Enter outside a button or link calls
 * onEnter; every key, pointer press or wheel turn calls onActivity (the page's heartbeat renews claims only then).
 */
(function () {
  "use strict";

  window.podSend = async function (form, extra) {
    const data = new FormData(form);
    for (const [key, value] of Object.entries(extra || {})) data.set(key, value);
    let response;
    try {
      response = await fetch(form.action, {
        method: "POST",
        body: data,
        credentials: "same-origin",
        headers: { Accept: "application/json", "X-CSRFToken": data.get("csrfmiddlewaretoken") },
      });
    } catch (error) {
      return { status: 0, body: { message: "Could not reach the server; nothing was saved." } };
    }
    let body;
    try {
      body = await response.json();
    } catch (error) {
      body = { message: "The server answered " + response.status + "; nothing was saved." };
    }
    return { status: response.status, body: body };
  };

  function typing(event) {
    const tag = event.target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT";
  }

  window.podKeys = function ({ actions, help, onEnter, onActivity }) {
    document.addEventListener("keydown", function (event) {
      onActivity();
      if (event.ctrlKey || event.metaKey || event.altKey) return;
      if (typing(event)) {
        if (event.key === "Escape") event.target.blur();
        return;
      }
      if (help.open && event.key !== "?") return; // the dialog handles Escape itself
      if (event.key === "Enter" && event.target.tagName !== "BUTTON" && event.target.tagName !== "A") {
        event.preventDefault();
        onEnter();
        return;
      }
      const action = actions[event.key] || actions[event.key.toLowerCase()];
      if (action) {
        event.preventDefault();
        action();
      }
    });
    for (const kind of ["pointerdown", "wheel"]) {
      document.addEventListener(kind, onActivity, { passive: true });
    }
  };
})();
