import { script, stylesheet } from "./assets";

/**
 * Server-rendered pages. Every value that came from a user goes through `esc` (text and attribute
 * context alike); there is no inline script or style, so the CSP can forbid both.
 */

const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;", "`": "&#96;" };

export function esc(value: unknown): string {
  return String(value ?? "").replace(/[&<>"'`]/g, (c) => ESCAPES[c]!);
}

/** CSP for every HTML page: nothing inline, nothing third-party, no framing. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join("; ");

export function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="fr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)} · Renfort</title>
<link rel="stylesheet" href="/assets/${stylesheet.name}">
<script src="/assets/${script.name}" defer></script>
</head>
<body>
<header><a href="/">Renfort</a></header>
<main>
${body}
</main>
</body>
</html>
`;
}

export interface MissionView {
  id: string;
  title: string;
  description: string;
  zip: string;
  department: string;
  city: string | null;
  places: number;
  placesTaken: number;
  organizationName: string;
}

export function homePage(): string {
  return layout(
    "Accueil",
    `<h1>Je veux aider</h1>
<p>Les associations ont besoin de renfort près de chez vous. Inscrivez-vous en une minute, puis choisissez une mission.</p>
<p><a href="/signup">Je m'inscris comme bénévole</a> · <a href="/missions">Voir les missions</a></p>`,
  );
}

function placesLeft(m: MissionView): string {
  const left = m.places - m.placesTaken;
  return left > 0 ? `${left} place${left > 1 ? "s" : ""} restante${left > 1 ? "s" : ""}` : "Complète";
}

export function missionListPage(missions: MissionView[], filters: { zip?: string; department?: string }): string {
  const items = missions.length
    ? missions
        .map(
          (m) => `<article class="mission">
<h2><a href="/missions/${esc(m.id)}">${esc(m.title)}</a></h2>
<p class="muted">${esc(m.organizationName)} · ${esc(m.city ?? "")} ${esc(m.zip)} · ${esc(placesLeft(m))}</p>
</article>`,
        )
        .join("\n")
    : `<p>Aucune mission ne correspond à ces critères.</p>`;
  return layout(
    "Missions",
    `<h1>Missions</h1>
<form class="filters" method="get" action="/missions">
<label>Code postal <input name="zip" inputmode="numeric" maxlength="5" value="${esc(filters.zip ?? "")}"></label>
<label>Département <input name="department" maxlength="3" value="${esc(filters.department ?? "")}"></label>
<button type="submit">Filtrer</button>
</form>
${items}`,
  );
}

export function missionPage(m: MissionView): string {
  const full = m.placesTaken >= m.places;
  return layout(
    m.title,
    `<h1>${esc(m.title)}</h1>
<p class="muted">${esc(m.organizationName)} · ${esc(m.city ?? "")} ${esc(m.zip)} (${esc(m.department)}) · ${esc(placesLeft(m))}</p>
<p>${esc(m.description)}</p>
${
  full
    ? `<p class="notice">Cette mission est complète.</p>`
    : `<form id="apply-form" class="stack" data-api="/api/missions/${esc(m.id)}/applications">
<label for="email">Votre adresse e-mail de bénévole</label>
<input id="email" name="email" type="email" required maxlength="254" autocomplete="email">
<p class="error" data-error-for="email"></p>
<p class="error" data-error-for="form"></p>
<button type="submit">Je candidate</button>
</form>`
}`,
  );
}

export function signupPage(): string {
  const field = (name: string, label: string, type: string, extra: string) =>
    `<label for="${name}">${label}</label>
<input id="${name}" name="${name}" type="${type}" ${extra}>
<p class="error" data-error-for="${name}"></p>`;
  return layout(
    "Inscription",
    `<h1>Je m'inscris comme bénévole</h1>
<form id="signup-form" class="stack" data-api="/api/volunteers">
${field("email", "E-mail", "email", 'required maxlength="254" autocomplete="email"')}
${field("firstName", "Prénom", "text", 'required maxlength="100" autocomplete="given-name"')}
${field("lastName", "Nom", "text", 'required maxlength="100" autocomplete="family-name"')}
${field("zip", "Code postal", "text", 'required pattern="[0-9]{5}" inputmode="numeric" autocomplete="postal-code"')}
${field("phone", "Téléphone (facultatif)", "tel", 'maxlength="20" autocomplete="tel"')}
${field("birthdate", "Date de naissance (facultatif)", "date", "")}
<p class="error" data-error-for="form"></p>
<button type="submit">Je m'inscris</button>
</form>`,
  );
}

export function confirmationPage(): string {
  return layout(
    "Merci",
    `<h1>Merci pour votre inscription</h1>
<p>Un e-mail de confirmation va partir vers votre adresse ; en cas de forte affluence, il peut arriver avec du retard. Votre compte sera activé sous peu ; vous pourrez alors candidater aux missions près de chez vous.</p>
<p><a href="/missions">Voir les missions</a></p>`,
  );
}

export function notFoundPage(): string {
  return layout("Page introuvable", `<h1>Page introuvable</h1><p><a href="/">Retour à l'accueil</a></p>`);
}

export function unavailablePage(): string {
  return layout(
    "Service réduit",
    `<h1>Service réduit</h1>
<p>Face à l'affluence, seules les inscriptions de bénévoles restent ouvertes pour le moment.</p>
<p><a href="/signup">Je m'inscris comme bénévole</a></p>`,
  );
}
