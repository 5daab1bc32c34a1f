import { esc } from "./escape";

/**
 * The page forms: their fields, the French message shown next to each field that is wrong, and the
 * DSFR markup of a field with its error linked for assistive technology (`aria-invalid`, the
 * message in the element `aria-describedby` names, a live region). Values come back escaped.
 * https://www.systeme-de-design.gouv.fr/elements-d-interface/composants/champ-de-saisie
 */

export interface FieldSpec {
  name: string;
  label: string;
  /** the expected format, shown under the label (RGAA 11.10: the format is given before input) */
  hint?: string;
  type: "text" | "email" | "tel" | "date";
  required: boolean;
  /** the message shown when the value is missing or malformed */
  error: string;
  attrs: string;
}

export const SIGNUP_FIELDS: readonly FieldSpec[] = [
  {
    name: "email",
    label: "Adresse électronique",
    hint: "Format attendu : nom@domaine.fr",
    type: "email",
    required: true,
    error: "Saisissez une adresse électronique valide, par exemple camille.martin@exemple.fr.",
    attrs: 'maxlength="254" autocomplete="email" spellcheck="false"',
  },
  { name: "firstName", label: "Prénom", type: "text", required: true, error: "Saisissez votre prénom (100 caractères au plus).", attrs: 'maxlength="100" autocomplete="given-name"' },
  { name: "lastName", label: "Nom", type: "text", required: true, error: "Saisissez votre nom (100 caractères au plus).", attrs: 'maxlength="100" autocomplete="family-name"' },
  {
    name: "zip",
    label: "Code postal",
    hint: "5 chiffres, par exemple 75011",
    type: "text",
    required: true,
    error: "Saisissez un code postal français à 5 chiffres, par exemple 75011.",
    attrs: 'maxlength="5" inputmode="numeric" autocomplete="postal-code"',
  },
  {
    name: "phone",
    label: "Téléphone (facultatif)",
    hint: "Par exemple 06 12 34 56 78",
    type: "tel",
    required: false,
    error: "Saisissez un numéro de téléphone valide, par exemple 06 12 34 56 78, ou laissez ce champ vide.",
    attrs: 'maxlength="20" autocomplete="tel"',
  },
  {
    name: "birthdate",
    label: "Date de naissance (facultatif)",
    hint: "Format attendu : JJ/MM/AAAA",
    type: "date",
    required: false,
    error: "Saisissez une date de naissance réelle, passée et postérieure au 1er janvier 1900, ou laissez ce champ vide.",
    attrs: 'autocomplete="bday" min="1900-01-01"',
  },
];

export const APPLY_FIELDS: readonly FieldSpec[] = [
  {
    name: "email",
    label: "Adresse électronique de votre inscription",
    hint: "Format attendu : nom@domaine.fr",
    type: "email",
    required: true,
    error: "Saisissez une adresse électronique valide, par exemple camille.martin@exemple.fr.",
    attrs: 'maxlength="254" autocomplete="email" spellcheck="false"',
  },
];

/** What a form submission left: the values typed (to show again) and a message per wrong field. */
export interface FormState {
  values: Record<string, string>;
  errors: Record<string, string>;
  /** a message about the form as a whole (shown at its top) */
  message?: string;
}

export const EMPTY_FORM: FormState = { values: {}, errors: {} };

/**
 * A body as the forms send it (urlencoded or JSON from the enhancement): every known field as a
 * trimmed string, empty optional fields left out; a repeated or non-string field is kept as is so
 * the schema rejects it.
 */
export function normalizeFormBody(fields: readonly FieldSpec[], body: unknown): Record<string, unknown> {
  const src = body && typeof body === "object" && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(src)) {
    if (typeof v !== "string") {
      out[k] = v;
      continue;
    }
    const t = v.trim();
    const spec = fields.find((f) => f.name === k);
    if (t === "" && spec && !spec.required) continue;
    out[k] = t;
  }
  return out;
}

/** The values to show again: strings only, known fields only. */
export function keptValues(fields: readonly FieldSpec[], body: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of fields) if (typeof body[f.name] === "string") out[f.name] = body[f.name] as string;
  return out;
}

/** French messages for the fields `problems` names; a problem on no known field becomes the form's message. */
export function frenchErrors(fields: readonly FieldSpec[], problems: Record<string, string>): { errors: Record<string, string>; message?: string } {
  const errors: Record<string, string> = {};
  let other = false;
  for (const name of Object.keys(problems)) {
    const spec = fields.find((f) => f.name === name);
    if (spec) errors[name] = spec.error;
    else other = true;
  }
  const n = Object.keys(errors).length;
  const message = n
    ? `Le formulaire contient ${n === 1 ? "une erreur" : `${n} erreurs`} : corrigez ${n === 1 ? "le champ signalé" : "les champs signalés"} puis envoyez-le de nouveau.`
    : other
      ? "Le formulaire envoyé n’est pas celui de cette page : rechargez la page puis recommencez."
      : undefined;
  return message === undefined ? { errors } : { errors, message };
}

/** One DSFR input group; `id`s let the error be linked to its field. */
export function renderField(f: FieldSpec, state: FormState): string {
  const error = state.errors[f.name];
  const value = state.values[f.name];
  const describedBy = [f.hint ? `${f.name}-hint` : "", `${f.name}-messages`].filter(Boolean).join(" ");
  return `<div class="fr-input-group${error ? " fr-input-group--error" : ""}">
<label class="fr-label" for="${f.name}">${esc(f.label)}${f.hint ? `<span class="fr-hint-text" id="${f.name}-hint">${esc(f.hint)}</span>` : ""}</label>
<input class="fr-input${error ? " fr-input--error" : ""}" id="${f.name}" name="${f.name}" type="${f.type}"${f.required ? " required" : ""} ${f.attrs}${
    value !== undefined ? ` value="${esc(value)}"` : ""
  }${error ? ' aria-invalid="true"' : ""} aria-describedby="${describedBy}">
<div class="fr-messages-group" id="${f.name}-messages" data-messages-for="${f.name}" aria-live="polite">${
    error ? `<p class="fr-message fr-message--error" id="${f.name}-error">${esc(error)}</p>` : ""
  }</div>
</div>`;
}

/** The area at the top of a form: the summary of what went wrong, announced when it appears. */
export function renderFormMessage(state: FormState): string {
  const links = Object.keys(state.errors)
    .map((name) => `<li><a href="#${esc(name)}">${esc(state.errors[name])}</a></li>`)
    .join("");
  return `<div data-error-summary role="alert">${
    state.message
      ? `<div class="fr-alert fr-alert--error fr-alert--sm fr-mb-3w"><p>${esc(state.message)}</p>${links ? `<ul>${links}</ul>` : ""}</div>`
      : ""
  }</div>`;
}

/** A form posting to `action`, working without JavaScript and enhanced with it (pages/enhance-script.ts). */
export function renderForm(action: string, fields: readonly FieldSpec[], state: FormState, submit: string, id: string): string {
  return `<form id="${id}" class="renfort-form" method="post" action="${esc(action)}" novalidate data-enhance>
${renderFormMessage(state)}
<p class="fr-hint-text">Sauf mention contraire, tous les champs sont obligatoires.</p>
${fields.map((f) => renderField(f, state)).join("\n")}
<button class="fr-btn" type="submit">${esc(submit)}</button>
</form>`;
}
