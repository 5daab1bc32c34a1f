/**
 * Feeds a load-campaign measurement to the capacity model: the signups per second one instance held
 * within the SLO go into the stack file at `renfort:capacity.signupsPerSecondPerInstance`, with when and
 * from which report, so the plan's capacity verdict rests on a measurement.
 *
 * The stack file is edited through the `yaml` Document API (https://eemeli.org/yaml/#documents), which
 * keeps comments, key order, flow sequences, block scalars and ciphertexts as they are: only the three
 * values of the capacity block change.
 */
import { isMap, isScalar, parseDocument, Scalar, type Document, type YAMLMap } from "yaml";
import { capacitySchema } from "../../stacks/config/origin";
import { isLoopbackHost } from "../loadtest/safety";
import type { CampaignReport } from "../loadtest/report";

export const CAPACITY_KEY = "renfort:capacity";

export interface CapacityMeasurement {
  signupsPerSecondPerInstance: number;
  /** ISO 8601: when the campaign finished. */
  measuredAt: string;
  /** The report the figure comes from (path as written into the stack file). */
  measurementSource: string;
}

/**
 * The figure a report supports, or an error saying why it supports none. `notes` qualify a figure that
 * is usable but partial (a floor, a loopback target for a production stack).
 */
export function measurementFromReport(
  report: CampaignReport,
  source: string,
  stack: string,
): { measurement: CapacityMeasurement; notes: string[] } {
  if (report.config.scenario !== "signup") {
    throw new Error(
      `refusing ${source}: it is a ${report.config.scenario} campaign (${report.config.unit}); the capacity model counts signups per second per instance, measured by --scenario signup`,
    );
  }
  const first = report.steps[0];
  if (first === undefined) {
    throw new Error(`refusing ${source}: the campaign ran no step (${report.summary}); run the campaign to the end first`);
  }
  if (first.verdict.result === "failed") {
    throw new Error(
      `refusing ${source}: the campaign failed at its first step (${first.rate} signups/s: ` +
        `${first.verdict.reasons.join("; ")}); no rate was shown to hold. Fix the target, or start lower (e.g. --steps 10,25,50), and measure again`,
    );
  }
  if (report.totals.signupsOk === 0) {
    throw new Error(`refusing ${source}: no signup succeeded in the campaign, so it measured no signup capacity; check the signup path (POST /api/volunteers) and measure again`);
  }
  const held = report.heldRatePerInstance;
  if (held === null || !(held > 0)) {
    throw new Error(`refusing ${source}: no step held the SLO (${report.summary})`);
  }
  const heldStep = report.steps.find((s) => s.rate === report.lastHeldStep && s.verdict.result === "held");
  if (heldStep === undefined || (heldStep.byKind.signup?.ok ?? 0) === 0) {
    throw new Error(`refusing ${source}: the step that held (${report.lastHeldStep} signups/s) created no signup, so it measured no signup capacity`);
  }
  const notes: string[] = [];
  if (!report.ceilingFound) {
    notes.push(
      report.outcome === "held-all-steps"
        ? `every step held: ${held} signups/s is a floor (the ceiling is higher; add steps to find it)`
        : `the campaign stopped early (${report.outcome}): ${held} signups/s is a floor`,
    );
  }
  let host: string;
  try {
    host = new URL(report.target).hostname;
  } catch {
    host = "";
  }
  if (stack === "prod" && isLoopbackHost(host)) {
    notes.push(`the campaign ran against ${report.target}, not a prod-sized instance: check this machine is representative of the prod instance type`);
  }
  return { measurement: { signupsPerSecondPerInstance: held, measuredAt: report.finishedAt, measurementSource: source }, notes };
}

function capacityBlock(doc: Document, fileName: string): YAMLMap {
  if (doc.errors.length > 0) {
    throw new Error(`${fileName} is not valid YAML: ${doc.errors[0].message}`);
  }
  const config = doc.get("config", true);
  if (!isMap(config)) throw new Error(`${fileName} has no \`config:\` map`);
  const block = config.get(CAPACITY_KEY, true);
  if (!isMap(block)) {
    throw new Error(
      `${fileName} has no ${CAPACITY_KEY} block: add it with targetSignupsPerSecond and headroom ` +
        `(pulumi config set --path 'capacity.targetSignupsPerSecond' 600) before writing a measurement`,
    );
  }
  return block;
}

/** Sets `key` in the map, after `after` when it is new (keeps the block readable), keeping comments. */
function setAfter(doc: Document, map: YAMLMap, key: string, value: string | number, after: string, quote: boolean): void {
  const existing = map.items.find((p) => isScalar(p.key) && p.key.value === key);
  if (existing !== undefined && isScalar(existing.value)) {
    existing.value.value = value; // the Scalar node keeps its comments
    if (quote) existing.value.type = Scalar.QUOTE_DOUBLE;
    return;
  }
  const node = doc.createNode(value);
  // An ISO timestamp left plain could be read as a YAML 1.1 timestamp by other tools: quote it.
  if (quote) node.type = Scalar.QUOTE_DOUBLE;
  if (existing !== undefined) {
    existing.value = node;
    return;
  }
  const pair = doc.createPair(key, node);
  const at = map.items.findIndex((p) => isScalar(p.key) && p.key.value === after);
  if (at === -1) map.items.push(pair);
  else map.items.splice(at + 1, 0, pair);
}

export interface WriteBackResult {
  text: string;
  previous: number | null;
}

/**
 * The stack file text with the measurement written into its capacity block. Throws when the file has no
 * capacity block or the result would not pass the capacity schema of stacks/config.
 */
export function applyCapacityMeasurement(text: string, fileName: string, m: CapacityMeasurement): WriteBackResult {
  const doc = parseDocument(text, { keepSourceTokens: false });
  const block = capacityBlock(doc, fileName);
  const prevNode = block.get("signupsPerSecondPerInstance", true);
  const previous = isScalar(prevNode) && typeof prevNode.value === "number" ? prevNode.value : null;
  setAfter(doc, block, "signupsPerSecondPerInstance", m.signupsPerSecondPerInstance, "headroom", false);
  setAfter(doc, block, "measuredAt", m.measuredAt, "signupsPerSecondPerInstance", true);
  setAfter(doc, block, "measurementSource", m.measurementSource, "measuredAt", false);
  const parsed = capacitySchema.safeParse(block.toJSON());
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${fileName}: ${CAPACITY_KEY}.${issue.path.join(".")} ${issue.message}; fix the block, then write the measurement again`);
  }
  // lineWidth 0: never fold long scalars (ciphertexts) written on one line; no padding inside `[a, b]`,
  // as the stack files write them (https://eemeli.org/yaml/#tostring-options).
  const out = doc.toString({ lineWidth: 0, flowCollectionPadding: false });
  assertOnlyCapacityChanged(text, out, fileName);
  return { text: out, previous };
}

/** Belt and braces: the rewritten file must mean exactly what the original meant outside the three keys. */
function assertOnlyCapacityChanged(before: string, after: string, fileName: string): void {
  const strip = (t: string): string => {
    const js = parseDocument(t).toJS() as { config: Record<string, Record<string, unknown>> };
    const cap = { ...js.config[CAPACITY_KEY] };
    delete cap.signupsPerSecondPerInstance;
    delete cap.measuredAt;
    delete cap.measurementSource;
    return JSON.stringify({ ...js, config: { ...js.config, [CAPACITY_KEY]: cap } });
  };
  if (strip(before) !== strip(after)) {
    throw new Error(`${fileName}: rewriting the capacity block would change other values; edit ${CAPACITY_KEY} by hand`);
  }
}
