/**
 * The traffic mix of a campaign: which kinds of request the open-model generator emits, and in which
 * proportions. Each scenario has its own kinds:
 *
 * - `signup`: the steps are signups per second (the figure the capacity model consumes); pages and
 *   applications ride on top in proportion, so a step of 600 with `signup=0.8,pages=0.15,apply=0.05`
 *   offers 600 signups/s plus 112.5 page GETs/s and 37.5 applications/s (750 requests/s in all).
 * - `home`: page GETs and the asset GETs the page references; the steps count both.
 * - `apex`: redirects only.
 */
import type { ScenarioName } from "./report";

export const SCENARIO_KINDS = {
  signup: ["signup", "pages", "apply"],
  home: ["page", "asset"],
  apex: ["redirect"],
} as const satisfies Record<ScenarioName, readonly string[]>;

export type RequestKind = (typeof SCENARIO_KINDS)[ScenarioName][number];

/** Normalized shares (they sum to 1), one per kind of the scenario. */
export type Mix = Partial<Record<RequestKind, number>>;

export const DEFAULT_MIX_TEXT = "signup=0.8,pages=0.15,apply=0.05";
/** A visit to the home page: the page and the two assets it references (stylesheet and script). */
export const DEFAULT_MIX: Record<ScenarioName, string> = {
  signup: DEFAULT_MIX_TEXT,
  home: "page=1,asset=2",
  apex: "redirect=1",
};

const share = (mix: Mix, kind: RequestKind): number => mix[kind] ?? 0;

/** Parses `signup=0.8,pages=0.15,apply=0.05` (shares or weights; normalized to sum 1). */
export function parseMix(text: string, scenario: ScenarioName = "signup"): Mix {
  const kinds: readonly RequestKind[] = SCENARIO_KINDS[scenario];
  const weights: Mix = Object.fromEntries(kinds.map((k) => [k, 0]));
  const seen = new Set<string>();
  for (const raw of text.split(",")) {
    const part = raw.trim();
    if (part === "") continue;
    const m = /^([a-z]+)\s*=\s*([0-9]*\.?[0-9]+)$/.exec(part);
    if (!m) {
      throw new Error(`--mix: "${part}" is not <kind>=<share>; expected e.g. ${DEFAULT_MIX[scenario]}`);
    }
    const [, kind, value] = m;
    if (!(kinds as readonly string[]).includes(kind)) {
      throw new Error(`--mix: unknown kind "${kind}" for the ${scenario} scenario; its kinds are ${kinds.join(", ")}`);
    }
    if (seen.has(kind)) throw new Error(`--mix: kind "${kind}" is given twice`);
    seen.add(kind);
    weights[kind as RequestKind] = Number(value);
  }
  if (scenario === "signup" && !(share(weights, "signup") > 0)) {
    throw new Error(`--mix: signup share must be > 0 (the steps are signups per second), got "${text}"`);
  }
  if (!(kinds.reduce((sum, k) => sum + share(weights, k), 0) > 0)) {
    throw new Error(`--mix: every share is 0, got "${text}"; expected e.g. ${DEFAULT_MIX[scenario]}`);
  }
  return normalizeMix(weights);
}

export function normalizeMix(weights: Mix): Mix {
  const keys = Object.keys(weights) as RequestKind[];
  const total = keys.reduce((sum, k) => sum + share(weights, k), 0);
  return Object.fromEntries(keys.map((k) => [k, share(weights, k) / total]));
}

/** The same mix without one kind (e.g. applications when the target has no mission), renormalized. */
export function withoutKind(mix: Mix, kind: RequestKind): Mix {
  return normalizeMix({ ...mix, [kind]: 0 });
}

/**
 * Total requests per second offered at a step's rate: a signup campaign's steps count signups (the other
 * kinds ride on top), the others count every request.
 */
export function totalRateFor(rate: number, mix: Mix): number {
  return mix.signup !== undefined ? rate / mix.signup : rate;
}

export function formatMix(mix: Mix): string {
  return (Object.keys(mix) as RequestKind[])
    .filter((k) => share(mix, k) > 0)
    .map((k) => `${k}=${Number(share(mix, k).toFixed(4))}`)
    .join(",");
}

/**
 * Deterministic picker with exact proportions over any window: smooth weighted round-robin (the
 * algorithm of nginx's upstream balancer, https://github.com/phusion/nginx/commit/27e94984486058d73157038f7950a0a36ecc6e35).
 * Unlike random sampling, a 3-second CI step gets its share of each kind, not a binomial draw of it.
 */
export class MixPicker {
  private readonly kinds: RequestKind[];
  private readonly current = new Map<RequestKind, number>();

  constructor(private readonly mix: Mix) {
    this.kinds = (Object.keys(mix) as RequestKind[]).filter((k) => share(mix, k) > 0);
    for (const k of this.kinds) this.current.set(k, 0);
  }

  next(): RequestKind {
    let best = this.kinds[0];
    let bestValue = -Infinity;
    for (const kind of this.kinds) {
      const v = (this.current.get(kind) ?? 0) + share(this.mix, kind);
      this.current.set(kind, v);
      if (v > bestValue + 1e-12) {
        best = kind;
        bestValue = v;
      }
    }
    this.current.set(best, (this.current.get(best) ?? 0) - 1);
    return best;
  }
}
