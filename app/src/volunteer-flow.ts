import type { AppDb } from "./plugins/db";
import { Rollback } from "./plugins/db";
import { hashToken, newToken } from "./confirmation";
import {
  APPLY_INSERT_SQL,
  CONFIRMATION_INSERT_SQL,
  CONFIRMATION_STATE_SQL,
  CONFIRMATION_USE_SQL,
  SIGNUP_EXISTING_SQL,
  SIGNUP_INSERT_SQL,
  SIGNUP_MAIL_SQL,
  SIGNUP_NEW_SQL,
  TAKE_PLACE_SQL,
  VOLUNTEER_ACTIVATE_SQL,
  VOLUNTEER_BY_EMAIL_SQL,
} from "./db/queries";

/**
 * A volunteer's way in, shared by the JSON API (routes/volunteers.ts, routes/missions.ts) and the
 * page forms (routes/forms.ts): signup, activation through the mailed link, applying to a mission.
 */

export interface SignupInput {
  email: string;
  firstName: string;
  lastName: string;
  zip: string;
  phone?: string | undefined;
  birthdate?: string | undefined;
}

/** Outbox kinds of a signup (outbox.ts renders them). */
export const CONFIRMATION_KIND = "volunteer_confirmation";
export const ACCOUNT_EXISTS_KIND = "volunteer_account_exists";

/**
 * Signup. The caller answers the same whatever happened, so the API never tells whether an address is
 * registered; what differs is only the mail, which goes to the address's owner:
 * - a new address: stored pending, a confirmation link mailed, in one statement (the common case, the
 *   launch's hot path: one round trip);
 * - a pending address: a new link mailed (the earlier ones keep working until they expire);
 * - an active address: a mail saying an account exists, with no link.
 * The last two are one transaction that locks the row, also taken by the second of two concurrent
 * signups of one new address once the first committed.
 */
export async function signUp(db: AppDb, b: SignupInput): Promise<void> {
  const firstName = b.firstName.trim();
  const token = newToken();
  const created = await db.pool.query({
    name: "signup-new",
    text: SIGNUP_NEW_SQL,
    values: [b.email, firstName, b.lastName.trim(), b.zip, b.phone ?? null, b.birthdate ?? null, hashToken(token), CONFIRMATION_KIND, { firstName, token }],
  });
  if (created.rowCount === 1) return;
  await db.transaction(async (c) => {
    const ins = await c.query<{ id: string; email: string; first_name: string; activated_at: Date | null }>({
      name: "signup-insert",
      text: SIGNUP_INSERT_SQL,
      values: [b.email, firstName, b.lastName.trim(), b.zip, b.phone ?? null, b.birthdate ?? null],
    });
    const v = ins.rows[0] ?? (await c.query<{ id: string; email: string; first_name: string; activated_at: Date | null }>({ name: "signup-existing", text: SIGNUP_EXISTING_SQL, values: [b.email] })).rows[0];
    // the row that made the insert a no-op was deleted meanwhile: nothing to mail (nothing deletes today)
    if (!v) return;
    if (v.activated_at !== null) {
      await c.query({ name: "signup-mail", text: SIGNUP_MAIL_SQL, values: [ACCOUNT_EXISTS_KIND, v.email, v.id, { firstName: v.first_name }] });
      return;
    }
    await c.query({ name: "confirmation-insert", text: CONFIRMATION_INSERT_SQL, values: [v.id, hashToken(token)] });
    await c.query({ name: "signup-mail", text: SIGNUP_MAIL_SQL, values: [CONFIRMATION_KIND, v.email, v.id, { firstName: v.first_name, token }] });
  });
}

export type ActivationResult = "activated" | "unknown" | "used" | "expired";

/** Follows a (well-formed) confirmation token: single use, until it expires. */
export async function activate(db: AppDb, token: string): Promise<ActivationResult> {
  const hash = hashToken(token);
  return db.transaction(async (c) => {
    const used = await c.query<{ volunteer_id: string }>({ name: "confirmation-use", text: CONFIRMATION_USE_SQL, values: [hash] });
    if (used.rows[0]) {
      await c.query({ name: "volunteer-activate", text: VOLUNTEER_ACTIVATE_SQL, values: [used.rows[0].volunteer_id] });
      return "activated";
    }
    const st = await c.query<{ used: boolean }>({ name: "confirmation-state", text: CONFIRMATION_STATE_SQL, values: [hash] });
    if (!st.rows[0]) return "unknown";
    return st.rows[0].used ? "used" : "expired";
  });
}

export type ApplyResult =
  | { ok: true; id: string; placesLeft: number }
  | { ok: false; error: "volunteer_not_found" | "already_applied" | "mission_full" };

/**
 * Applies an active volunteer to a mission that exists (the caller checked it). A pending volunteer is
 * "volunteer_not_found", exactly as an unknown address: the answer says nothing about registrations.
 */
export async function applyToMission(db: AppDb, missionId: string, email: string): Promise<ApplyResult> {
  const v = await db.pool.query<{ id: string }>({ name: "volunteer-by-email", text: VOLUNTEER_BY_EMAIL_SQL, values: [email] });
  const volunteerId = v.rows[0]?.id;
  if (!volunteerId) return { ok: false, error: "volunteer_not_found" };
  try {
    return await db.transaction(async (c) => {
      const a = await c.query<{ id: string }>({ name: "apply-insert", text: APPLY_INSERT_SQL, values: [missionId, volunteerId] });
      if (!a.rows[0]) throw new Rollback("already_applied" as const);
      const t = await c.query<{ placesLeft: number }>({ name: "take-place", text: TAKE_PLACE_SQL, values: [missionId] });
      if (!t.rows[0]) throw new Rollback("mission_full" as const);
      return { ok: true as const, id: a.rows[0].id, placesLeft: t.rows[0].placesLeft };
    });
  } catch (err) {
    if (err instanceof Rollback) return { ok: false, error: err.value as "already_applied" | "mission_full" };
    throw err;
  }
}
