import { script, stylesheet } from "./assets";
import { esc } from "./pages/escape";
import { APPLY_FIELDS, EMPTY_FORM, SIGNUP_FIELDS, renderForm, type FormState } from "./pages/forms";

/**
 * Server-rendered pages, with the State's design system (DSFR: https://www.systeme-de-design.gouv.fr/):
 * skip links, the header and footer a public service shows, French copy. Every value that came from
 * a user goes through `esc` (text and attribute context alike); there is no inline script or style,
 * so the CSP can forbid both. No page depends on JavaScript: forms post and the server answers.
 */

export { esc };

/** CSP for every HTML page: nothing inline, nothing third-party, no framing. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "font-src 'self'",
  "connect-src 'self'",
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join("; ");

const SERVICE = "Renfort";

const HEADER = `<header role="banner" class="fr-header">
<div class="fr-header__body"><div class="fr-container"><div class="fr-header__body-row">
<div class="fr-header__brand fr-enlarge-link">
<div class="fr-header__brand-top"><div class="fr-header__logo"><p class="fr-logo">République<br>Française</p></div></div>
<div class="fr-header__service">
<a href="/" title="Accueil - ${SERVICE} - République Française"><p class="fr-header__service-title">${SERVICE}</p></a>
<p class="fr-header__service-tagline">Des bénévoles en renfort des associations, près de chez vous</p>
</div>
</div>
</div></div></div>
</header>`;

const GOV_LINKS = [
  ["https://www.info.gouv.fr", "info.gouv.fr"],
  ["https://www.service-public.fr", "service-public.fr"],
  ["https://www.legifrance.gouv.fr", "legifrance.gouv.fr"],
  ["https://www.data.gouv.fr", "data.gouv.fr"],
] as const;

const FOOTER = `<footer class="fr-footer" role="contentinfo" id="pied-de-page">
<div class="fr-container">
<div class="fr-footer__body">
<div class="fr-footer__brand fr-enlarge-link"><a href="/" title="Retour à l’accueil du site - ${SERVICE} - République Française"><p class="fr-logo">République<br>Française</p></a></div>
<div class="fr-footer__content">
<p class="fr-footer__content-desc">${SERVICE} met en relation les bénévoles et les associations qui ont besoin de renfort.</p>
<ul class="fr-footer__content-list">
${GOV_LINKS.map(([href, name]) => `<li class="fr-footer__content-item"><a class="fr-footer__content-link" target="_blank" rel="noopener" title="${name} - nouvelle fenêtre" href="${href}">${name}</a></li>`).join("\n")}
</ul>
</div>
</div>
<div class="fr-footer__bottom">
<ul class="fr-footer__bottom-list">
<li class="fr-footer__bottom-item"><a class="fr-footer__bottom-link" href="/accessibilite">Accessibilité : non conforme</a></li>
<li class="fr-footer__bottom-item"><a class="fr-footer__bottom-link" href="/donnees-personnelles">Données personnelles</a></li>
</ul>
<div class="fr-footer__bottom-copy"><p>Sauf mention explicite de propriété intellectuelle détenue par des tiers, les contenus de ce site sont proposés sous <a href="https://github.com/etalab/licence-ouverte/blob/master/LO.md" target="_blank" rel="noopener" title="licence etalab-2.0 - nouvelle fenêtre">licence etalab-2.0</a></p></div>
</div>
</div>
</footer>`;

export function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="fr" data-fr-scheme="light">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="format-detection" content="telephone=no">
<title>${esc(title)} - ${SERVICE}</title>
<link rel="stylesheet" href="/assets/${stylesheet.name}">
<script src="/assets/${script.name}" defer></script>
</head>
<body>
<div class="fr-skiplinks"><nav class="fr-container" role="navigation" aria-label="Accès rapide"><ul class="fr-skiplinks__list">
<li><a class="fr-link" href="#contenu">Contenu</a></li>
<li><a class="fr-link" href="#pied-de-page">Pied de page</a></li>
</ul></nav></div>
${HEADER}
<main role="main" id="contenu" tabindex="-1">
<div class="fr-container fr-my-6w">
${body}
</div>
</main>
${FOOTER}
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
<p class="fr-text--lead">Les associations ont besoin de renfort près de chez vous. Inscrivez-vous en une minute, puis choisissez une mission.</p>
<ul class="fr-btns-group fr-btns-group--inline-md">
<li><a class="fr-btn" href="/signup">Je m’inscris comme bénévole</a></li>
<li><a class="fr-btn fr-btn--secondary" href="/missions">Voir les missions</a></li>
</ul>`,
  );
}

function placesLeft(m: MissionView): string {
  const left = m.places - m.placesTaken;
  return left > 0 ? `${left} place${left > 1 ? "s" : ""} restante${left > 1 ? "s" : ""}` : "Complète";
}

function placesBadge(m: MissionView): string {
  const full = m.placesTaken >= m.places;
  return `<p class="fr-badge fr-badge--no-icon ${full ? "fr-badge--warning" : "fr-badge--success"}">${esc(placesLeft(m))}</p>`;
}

function where(m: MissionView): string {
  return `${m.city ? `${m.city} ` : ""}${m.zip}`;
}

export function missionListPage(missions: MissionView[], filters: { zip?: string; department?: string }): string {
  const items = missions.length
    ? `<ul class="renfort-missions">
${missions
  .map(
    (m) => `<li><div class="fr-card fr-enlarge-link"><div class="fr-card__body"><div class="fr-card__content">
<h2 class="fr-card__title"><a href="/missions/${esc(m.id)}">${esc(m.title)}</a></h2>
<p class="fr-card__desc">${esc(m.organizationName)} · ${esc(where(m))}</p>
<div class="fr-card__start"><ul class="fr-badges-group"><li>${placesBadge(m)}</li></ul></div>
</div></div></div></li>`,
  )
  .join("\n")}
</ul>`
    : `<p>Aucune mission ne correspond à ces critères.</p>`;
  const count = `${missions.length} mission${missions.length > 1 ? "s" : ""}`;
  return layout(
    "Missions",
    `<h1>Missions</h1>
<form class="renfort-filters fr-mb-4w" method="get" action="/missions" role="search" aria-label="Filtrer les missions">
<div class="fr-input-group"><label class="fr-label" for="filter-zip">Code postal<span class="fr-hint-text">5 chiffres</span></label>
<input class="fr-input" id="filter-zip" name="zip" inputmode="numeric" maxlength="5" autocomplete="postal-code" value="${esc(filters.zip ?? "")}"></div>
<div class="fr-input-group"><label class="fr-label" for="filter-department">Département<span class="fr-hint-text">Par exemple 75 ou 2A</span></label>
<input class="fr-input" id="filter-department" name="department" maxlength="3" value="${esc(filters.department ?? "")}"></div>
<button class="fr-btn fr-btn--secondary" type="submit">Filtrer</button>
</form>
<p>${count}</p>
${items}`,
  );
}

export function missionPage(m: MissionView, form: FormState = EMPTY_FORM): string {
  const full = m.placesTaken >= m.places;
  return layout(
    `${Object.keys(form.errors).length || form.message ? "Erreur : " : ""}${m.title}`,
    `<h1>${esc(m.title)}</h1>
<p>${esc(m.organizationName)} · ${esc(where(m))} (${esc(m.department)})</p>
<ul class="fr-badges-group fr-mb-3w"><li>${placesBadge(m)}</li></ul>
<p>${esc(m.description)}</p>
${
  full
    ? `<div class="fr-alert fr-alert--info"><p>Cette mission est complète. <a href="/missions">Voir les autres missions</a></p></div>`
    : `<h2>Je candidate</h2>
<p>Vous devez d’abord être <a href="/signup">inscrit comme bénévole</a>.</p>
${renderForm(`/missions/${m.id}/candidature`, APPLY_FIELDS, form, "Je candidate", "apply-form")}`
}
<p class="fr-mt-4w"><a class="fr-link" href="/missions">Retour aux missions</a></p>`,
  );
}

export function signupPage(form: FormState = EMPTY_FORM): string {
  return layout(
    `${Object.keys(form.errors).length || form.message ? "Erreur : " : ""}Inscription`,
    `<h1>Je m’inscris comme bénévole</h1>
<p>Votre inscription nous permet de vous proposer des missions près de chez vous.</p>
${renderForm("/signup", SIGNUP_FIELDS, form, "Je m’inscris", "signup-form")}`,
  );
}

/** After a signup, whatever the address: the answer never says whether it was registered already. */
export function confirmationPage(): string {
  return layout(
    "Inscription enregistrée",
    `<div class="fr-alert fr-alert--success fr-mb-4w"><h1 class="fr-alert__title">Votre compte est en cours d’activation</h1>
<p>Votre compte est en cours d’activation, un e-mail va suivre. Ouvrez le lien qu’il contient pour activer votre compte : vous pourrez alors candidater aux missions près de chez vous.</p></div>
<p>L’e-mail n’arrive pas ? Vérifiez vos courriers indésirables ; il peut mettre quelques minutes à arriver en cas d’affluence. Le lien est valable 48 heures.</p>
<a class="fr-btn" href="/missions">Voir les missions</a>`,
  );
}

/**
 * The page the mailed link opens: a button that activates. Opening the link activates nothing (mail
 * scanners open links); the token goes back in the form's body, never in a URL we build.
 */
export function activationPage(token: string): string {
  return layout(
    "Activer mon compte",
    `<h1>Activer mon compte de bénévole</h1>
<p>Confirmez votre adresse électronique pour activer votre compte : vous pourrez alors candidater aux missions.</p>
<form id="activation-form" method="post" action="/signup/activation">
<input type="hidden" name="jeton" value="${esc(token)}">
<button class="fr-btn" type="submit">Activer mon compte</button>
</form>`,
  );
}

export function activatedPage(): string {
  return layout(
    "Compte activé",
    `<div class="fr-alert fr-alert--success fr-mb-4w"><h1 class="fr-alert__title">Votre compte est activé</h1>
<p>Vous pouvez candidater aux missions près de chez vous avec votre adresse électronique.</p></div>
<a class="fr-btn" href="/missions">Voir les missions</a>`,
  );
}

const ACTIVATION_ERRORS: Record<400 | 404 | 409 | 410, { title: string; message: string }> = {
  400: { title: "Lien incomplet", message: "Ce lien d’activation est incomplet : copiez l’adresse entière du lien reçu par e-mail." },
  404: { title: "Lien inconnu", message: "Ce lien d’activation n’existe pas : utilisez le lien du dernier e-mail reçu, ou inscrivez-vous de nouveau." },
  409: { title: "Lien déjà utilisé", message: "Ce lien a déjà servi : si votre compte est activé, vous pouvez candidater aux missions." },
  410: { title: "Lien expiré", message: "Ce lien a expiré (il est valable 48 heures) : inscrivez-vous de nouveau avec la même adresse pour en recevoir un autre." },
};

export function activationErrorPage(status: 400 | 404 | 409 | 410): { html: string; message: string } {
  const e = ACTIVATION_ERRORS[status];
  return {
    message: e.message,
    html: layout(e.title, `<h1>${esc(e.title)}</h1>\n<p>${esc(e.message)}</p>\n<a class="fr-btn" href="/signup">Inscription</a>`),
  };
}

export function applicationConfirmationPage(): string {
  return layout(
    "Candidature enregistrée",
    `<div class="fr-alert fr-alert--success fr-mb-4w"><h1 class="fr-alert__title">Merci, votre candidature est enregistrée</h1>
<p>L’association qui propose la mission reviendra vers vous par courriel.</p></div>
<a class="fr-btn fr-btn--secondary" href="/missions">Voir d’autres missions</a>`,
  );
}

export function notFoundPage(): string {
  return layout(
    "Page introuvable",
    `<h1>Page introuvable</h1>
<p>La page demandée n’existe pas ou a été déplacée.</p>
<a class="fr-btn" href="/">Retour à l’accueil</a>`,
  );
}

/** The page of what degraded mode pauses (sent with 503 + Retry-After by plugins/admission.ts). */
export function unavailablePage(): string {
  return layout(
    "Service réduit",
    `<div class="fr-alert fr-alert--warning fr-mb-4w"><h1 class="fr-alert__title">Service réduit : cette page est momentanément en pause</h1>
<p>Face à l’affluence, seules les inscriptions de bénévoles restent ouvertes pour le moment. La consultation des missions et les candidatures reprendront dès que possible : réessayez dans quelques minutes.</p></div>
<a class="fr-btn" href="/signup">Je m’inscris comme bénévole</a>`,
  );
}

export function accessibilityPage(): string {
  return layout(
    "Accessibilité",
    `<h1>Déclaration d’accessibilité</h1>
<p>${SERVICE} s’engage à rendre son service accessible conformément à l’article 47 de la loi n° 2005-102 du 11 février 2005.</p>
<h2>État de conformité</h2>
<p>Le site n’a pas encore fait l’objet d’un audit de conformité au référentiel général d’amélioration de l’accessibilité (RGAA 4.1) : il est donc <strong>non conforme</strong> au sens de la loi. Chaque page du parcours d’inscription est testée automatiquement (contrôles axe-core, navigation au clavier seul, affichage sur un écran de 360 pixels de large, fonctionnement sans JavaScript).</p>
<h2>Voies de recours</h2>
<p>Si vous rencontrez un défaut d’accessibilité qui vous empêche d’accéder à un contenu ou à une fonctionnalité, vous pouvez saisir le <a href="https://formulaire.defenseurdesdroits.fr/" target="_blank" rel="noopener" title="Défenseur des droits - nouvelle fenêtre">Défenseur des droits</a>.</p>`,
  );
}

export function personalDataPage(): string {
  return layout(
    "Données personnelles",
    `<h1>Données personnelles</h1>
<p>Nous recueillons votre adresse électronique, vos nom et prénom et votre code postal (et, si vous les donnez, votre téléphone et votre date de naissance) pour vous proposer des missions de bénévolat et transmettre votre candidature à l’association concernée.</p>
<p>Ces données ne figurent jamais dans l’adresse des pages, et ce site ne dépose aucun cookie.</p>`,
  );
}

const ERRORS: Record<number, { title: string; message: string }> = {
  400: { title: "Demande incorrecte", message: "Le formulaire envoyé n’a pas pu être lu : rechargez la page puis recommencez." },
  404: { title: "Page introuvable", message: "Cette mission n’existe pas ou plus." },
  413: { title: "Demande trop volumineuse", message: "Le formulaire envoyé est trop long : raccourcissez vos saisies puis recommencez." },
  415: { title: "Demande incorrecte", message: "Le formulaire envoyé n’a pas pu être lu : rechargez la page puis recommencez." },
  429: { title: "Trop de tentatives", message: "Trop de tentatives depuis votre connexion : patientez une minute puis recommencez." },
  503: { title: "Service momentanément indisponible", message: "Le service est très sollicité : patientez quelques secondes puis recommencez." },
  500: { title: "Erreur inattendue", message: "Une erreur inattendue est survenue : recommencez dans quelques instants." },
};

/** The page (and the message for the enhancement script) of a form submission that failed outside its fields. */
export function errorPage(status: number): { html: string; message: string } {
  const e = ERRORS[status] ?? ERRORS[500]!;
  return {
    message: e.message,
    html: layout(e.title, `<h1>${esc(e.title)}</h1>\n<p>${esc(e.message)}</p>\n<a class="fr-btn" href="/">Retour à l’accueil</a>`),
  };
}
