import { createHash } from "node:crypto";

/**
 * Static assets live in the bundle and are served under a name carrying a hash of their content, so
 * the CDN and browsers may keep them forever (`immutable`): a new content is a new URL.
 * https://developers.cloudflare.com/cache/concepts/cache-control/#immutable
 */

const css = `*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1e1e1e;background:#f6f6f6}
header{background:#000091;color:#fff;padding:.75rem 1rem}
header a{color:#fff;text-decoration:none;font-weight:700}
main{max-width:48rem;margin:0 auto;padding:1rem}
a{color:#000091}
.mission{background:#fff;border:1px solid #ddd;border-radius:4px;padding:.75rem 1rem;margin:.5rem 0}
.muted{color:#666;font-size:.9rem}
form.stack label{display:block;margin:.75rem 0 .25rem;font-weight:600}
form.stack input{width:100%;padding:.5rem;border:1px solid #888;border-radius:4px;font:inherit}
button{margin-top:1rem;padding:.6rem 1.2rem;background:#000091;color:#fff;border:0;border-radius:4px;font:inherit;cursor:pointer}
.error{color:#b00020;font-size:.9rem}
.notice{background:#fff4e5;border:1px solid #f0b45c;padding:.75rem 1rem;border-radius:4px}
form.filters{display:flex;gap:.5rem;flex-wrap:wrap;align-items:end}
form.filters input{padding:.4rem;border:1px solid #888;border-radius:4px}
`;

// Progressive enhancement for the JSON API: no inline script anywhere, so the CSP can forbid it.
const js = `"use strict";
(function () {
  function showErrors(form, fields, message) {
    form.querySelectorAll(".error").forEach(function (e) { e.textContent = ""; });
    Object.keys(fields || {}).forEach(function (name) {
      var slot = form.querySelector('[data-error-for="' + name + '"]');
      if (slot) slot.textContent = fields[name];
    });
    var general = form.querySelector('[data-error-for="form"]');
    if (general) general.textContent = message || "";
  }
  function submitJson(form, onCreated) {
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var data = {};
      new FormData(form).forEach(function (v, k) { if (String(v).trim() !== "") data[k] = String(v).trim(); });
      var button = form.querySelector("button");
      if (button) button.disabled = true;
      fetch(form.getAttribute("data-api"), {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(data)
      }).then(function (res) {
        return res.json().catch(function () { return {}; }).then(function (body) {
          if (button) button.disabled = false;
          if (res.status === 201) return onCreated(body);
          var messages = {
            email_taken: "Cette adresse est d\\u00e9j\\u00e0 inscrite.",
            mission_full: "Cette mission est compl\\u00e8te.",
            already_applied: "Vous avez d\\u00e9j\\u00e0 candidat\\u00e9 \\u00e0 cette mission.",
            volunteer_not_found: "Inscrivez-vous d'abord comme b\\u00e9n\\u00e9vole.",
            rate_limited: "Trop de tentatives, r\\u00e9essayez dans une minute.",
            unavailable: "Service momentan\\u00e9ment indisponible, r\\u00e9essayez."
          };
          showErrors(form, body.fields, messages[body.error] || (body.fields ? "" : "Erreur, r\\u00e9essayez."));
        });
      }).catch(function () {
        if (button) button.disabled = false;
        showErrors(form, {}, "R\\u00e9seau indisponible, r\\u00e9essayez.");
      });
    });
  }
  var signup = document.getElementById("signup-form");
  if (signup) submitJson(signup, function () { window.location.assign("/signup/confirmation"); });
  var apply = document.getElementById("apply-form");
  if (apply) submitJson(apply, function () {
    apply.replaceWith(Object.assign(document.createElement("p"), { className: "notice", textContent: "Candidature enregistr\\u00e9e, merci !" }));
  });
})();
`;

export interface Asset {
  /** the hashed public name, e.g. app.3f9a1c0d2e.css */
  name: string;
  contentType: string;
  body: Buffer;
}

/** `<base>.<first 10 hex of sha256>.<ext>` */
export function hashedName(base: string, ext: string, body: Buffer | string): string {
  return `${base}.${createHash("sha256").update(body).digest("hex").slice(0, 10)}.${ext}`;
}

function asset(base: string, ext: string, contentType: string, text: string): Asset {
  const body = Buffer.from(text, "utf8");
  return { name: hashedName(base, ext, body), contentType, body };
}

export const stylesheet = asset("app", "css", "text/css; charset=utf-8", css);
export const script = asset("app", "js", "text/javascript; charset=utf-8", js);
export const assetsByName: ReadonlyMap<string, Asset> = new Map([stylesheet, script].map((a) => [a.name, a]));
