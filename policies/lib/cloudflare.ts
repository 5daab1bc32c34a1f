/** Grouping of Cloudflare resources per zone, for stack policies that need "per zone" guarantees. */
import type { PolicyResource } from "@pulumi/policy";
import { T, type RulesetProps, type RulesetRule, type ZoneSettingProps } from "./types";
import { isUnknown, peek } from "./unknown";

const ZONE_TYPES: readonly string[] = [...T.cfZoneSetting, ...T.cfDnsRecord, ...T.cfRuleset];
/** Resources whose zoneId is unknown at preview are grouped together: a stack normally has one zone. */
export const UNKNOWN_ZONE = "(zone id known after deployment)";

export interface Zone {
  key: string;
  settings: PolicyResource[];
  rulesets: PolicyResource[];
  records: PolicyResource[];
  /** A resource of the zone to attach zone-level violations to. */
  anchor: PolicyResource;
}

export function zoneKeyOf(r: PolicyResource): string {
  const z = peek(r.props, "zoneId");
  return typeof z === "string" && !isUnknown(z) ? z : UNKNOWN_ZONE;
}

/** Zones in the order they appear; only zones the program configures (settings, records or rulesets). */
export function zonesOf(resources: readonly PolicyResource[]): Zone[] {
  const zones = new Map<string, Zone>();
  for (const r of resources) {
    if (!ZONE_TYPES.includes(r.type)) continue;
    const key = zoneKeyOf(r);
    let z = zones.get(key);
    if (!z) {
      z = { key, settings: [], rulesets: [], records: [], anchor: r };
      zones.set(key, z);
    }
    if ((T.cfZoneSetting as readonly string[]).includes(r.type)) z.settings.push(r);
    else if ((T.cfRuleset as readonly string[]).includes(r.type)) z.rulesets.push(r);
    else z.records.push(r);
  }
  return [...zones.values()];
}

/** The ZoneSetting with this `settingId` (settingId is a literal, read through the proxy). */
export function settingOf(zone: Zone, settingId: string): PolicyResource | undefined {
  return zone.settings.find((s) => (s.props as Partial<ZoneSettingProps>).settingId === settingId);
}

export function rulesetsOfPhase(zone: Zone, phase: string): PolicyResource[] {
  return zone.rulesets.filter((r) => (r.props as Partial<RulesetProps>).phase === phase);
}

export function rulesOf(r: { props: Record<string, unknown> }): RulesetRule[] {
  return ((r.props as Partial<RulesetProps>).rules ?? []) as RulesetRule[];
}

export function ruleLabel(rule: RulesetRule, i: number): string {
  return rule.ref ? `rule "${rule.ref}"` : `rule #${i}`;
}

export function isEnabled(rule: RulesetRule): boolean {
  return rule.enabled !== false;
}
