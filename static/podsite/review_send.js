/* One POST of a review page's form with fetch(), for review.js and review_mockups.js.
 *
 * window.podSend(form, extra) sends the form's fields (CSRF token included, also as X-CSRFToken) plus `extra`,
 * asks for JSON, and always resolves to {status, body}: status 0 and a message in words when the server could not
 * be reached or did not answer JSON, so a caller never has to catch.
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
})();
