/**
 * The script every page loads (external, hashed: the CSP forbids inline script). It enhances the
 * forms marked `data-enhance` without changing their URLs: the same action receives the fields as
 * JSON and answers JSON (`{ redirect }` on success, `{ message, fields }` with the French messages
 * otherwise), so errors appear next to their fields without a reload. Without it, the same forms
 * post `application/x-www-form-urlencoded` and the server answers 303 or renders the errors.
 * Kept as plain ES2017 in a string: it is served as is, never bundled for Node.
 */
export const ENHANCE_SCRIPT = `"use strict";
(function () {
  function clearErrors(form) {
    form.querySelectorAll(".fr-input-group--error").forEach(function (g) { g.classList.remove("fr-input-group--error"); });
    form.querySelectorAll(".fr-input--error").forEach(function (i) { i.classList.remove("fr-input--error"); i.removeAttribute("aria-invalid"); });
    form.querySelectorAll("[data-messages-for]").forEach(function (m) { m.textContent = ""; });
  }
  function showErrors(form, message, fields) {
    clearErrors(form);
    var first = null;
    Object.keys(fields || {}).forEach(function (name) {
      var input = form.querySelector('[name="' + name + '"]');
      var slot = form.querySelector('[data-messages-for="' + name + '"]');
      if (!input || !slot) return;
      input.classList.add("fr-input--error");
      input.setAttribute("aria-invalid", "true");
      var group = input.closest(".fr-input-group");
      if (group) group.classList.add("fr-input-group--error");
      var p = document.createElement("p");
      p.className = "fr-message fr-message--error";
      p.id = name + "-error";
      p.textContent = fields[name];
      slot.appendChild(p);
      if (!first) first = input;
    });
    var summary = form.querySelector("[data-error-summary]");
    if (summary) {
      summary.textContent = "";
      if (message) {
        var box = document.createElement("div");
        box.className = "fr-alert fr-alert--error fr-alert--sm fr-mb-3w";
        var text = document.createElement("p");
        text.textContent = message;
        box.appendChild(text);
        summary.appendChild(box);
      }
    }
    if (first) first.focus();
  }
  function enhance(form) {
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var data = {};
      new FormData(form).forEach(function (v, k) { data[k] = String(v); });
      var button = form.querySelector("button[type=submit]");
      if (button) button.disabled = true;
      fetch(form.action, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json" },
        body: JSON.stringify(data),
        credentials: "omit"
      }).then(function (res) {
        // not an answer of the form (a pause page, a gateway error): let the browser show the page
        if (String(res.headers.get("content-type")).indexOf("application/json") !== 0) { form.submit(); return; }
        return res.json().catch(function () { return {}; }).then(function (body) {
          if (button) button.disabled = false;
          if (res.ok && body.redirect) { window.location.assign(body.redirect); return; }
          showErrors(form, body.message || "Une erreur est survenue, r\\u00e9essayez dans un instant.", body.fields);
        });
      }).catch(function () {
        if (button) button.disabled = false;
        showErrors(form, "Connexion impossible : v\\u00e9rifiez votre r\\u00e9seau puis r\\u00e9essayez.", {});
      });
    });
  }
  document.querySelectorAll("form[data-enhance]").forEach(enhance);
})();
`;
