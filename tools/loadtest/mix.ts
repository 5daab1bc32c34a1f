/**
 * The traffic mix of a campaign: which kinds of request the open-model generator emits, and in which
 * proportions.
 *
 * The campaign's steps are expressed in signups per second (the figure the capacity model consumes); the
 * other kinds ride on top in proportion, so a step of 600 with `signup=0.8,pages=0.15,apply=0.05` offers
 * 600 signups/s plus 112.5 page GETs/s and 37.5 applications/s (750 requests/s in all).
 */

export const REQUEST_KINDS = ["signup", "pages", "apply"] as const;
export type RequestKind = (typeof REQUEST_KINDS)[number];

/** Normalized shares (they sum to 1); `signup` is always > 0. */
export type Mix = Record<RequestKind, number>;

export const DEFAULT_MIX_TEXT = "signup=0.8,pages=0.15,apply=0.05";

/** Parses `signup=0.8,pages=0.15,apply=0.05` (shares or weights; normalized to sum 1). */
export function parseMix(text: string): Mix {
  const weights: Mix = { signup: 0, pages: 0, apply: 0 };
  const seen = new Set<string>();
  for (const raw of text.split(",")) {
    const part = raw.trim();
    if (part === "") continue;
    const m = /^([a-z]+)\s*=\s*([0-9]*\.?[0-9]+)$/.exec(part);
    if (!m) {
      throw new Error(`--mix: "${part}" is not <kind>=<share>; expected e.g. ${DEFAULT_MIX_TEXT}`);
    }
    const [, kind, value] = m;
    if (!(REQUEST_KINDS as readonly string[]).includes(kind)) {
      throw new Error(`--mix: unknown kind "${kind}"; the kinds are ${REQUEST_KINDS.join(", ")}`);
    }
    if (seen.has(kind)) throw new Error(`--mix: kind "${kind}" is given twice`);
    seen.add(kind);
    weights[kind as RequestKind] = Number(value);
  }
  if (!(weights.signup > 0)) {
    throw new Error(`--mix: signup share must be > 0 (the steps are signups per second), got "${text}"`);
  }
  return normalizeMix(weights);
}

export function normalizeMix(weights: Mix): Mix {
  const total = weights.signup + weights.pages + weights.apply;
  return { signup: weights.signup / total, pages: weights.pages / total, apply: weights.apply / total };
}

/** The same mix without one kind (e.g. applications when the target has no mission), renormalized. */
export function withoutKind(mix: Mix, kind: Exclude<RequestKind, "signup">): Mix {
  return normalizeMix({ ...mix, [kind]: 0 });
}

/** Total requests per second offered for a signup rate under a mix. */
export function totalRateFor(signupsPerSecond: number, mix: Mix): number {
  return signupsPerSecond / mix.signup;
}

export function formatMix(mix: Mix): string {
  return REQUEST_KINDS.filter((k) => mix[k] > 0)
    .map((k) => `${k}=${Number(mix[k].toFixed(4))}`)
    .join(",");
}

/**
 * Deterministic picker with exact proportions over any window: smooth weighted round-robin (the
 * algorithm of nginx's upstream balancer, https://github.com/phusion/nginx/commit/27e94984486058d73157038f7950a0a36ecc6e35).
 * Unlike random sampling, a 3-second CI step gets its share of each kind, not a binomial draw of it.
 */
export class MixPicker {
  private readonly current: Record<RequestKind, number> = { signup: 0, pages: 0, apply: 0 };

  constructor(private readonly mix: Mix) {}

  next(): RequestKind {
    let best: RequestKind = "signup";
    let bestValue = -Infinity;
    for (const kind of REQUEST_KINDS) {
      this.current[kind] += this.mix[kind];
      if (this.mix[kind] > 0 && this.current[kind] > bestValue + 1e-12) {
        best = kind;
        bestValue = this.current[kind];
      }
    }
    this.current[best] -= 1;
    return best;
  }
}
