import { percentile, percentileOfSorted, round, summarize } from "./percentiles";

describe("percentile (nearest rank)", () => {
  const oneToHundred = Array.from({ length: 100 }, (_, i) => i + 1);
  const oneToTen = [10, 9, 8, 7, 6, 5, 4, 3, 2, 1];
  const cases: Array<[string, number[], number, number | null]> = [
    ["empty list", [], 99, null],
    ["single value is every percentile", [42], 1, 42],
    ["single value p99", [42], 99, 42],
    ["p50 of 1..100", oneToHundred, 50, 50],
    ["p95 of 1..100", oneToHundred, 95, 95],
    ["p99 of 1..100", oneToHundred, 99, 99],
    ["p100 is the max", oneToHundred, 100, 100],
    ["p50 of 1..10 (unsorted input)", oneToTen, 50, 5],
    ["p95 of 1..10 ranks up to the 10th", oneToTen, 95, 10],
    ["p99 of 1..10 is the max", oneToTen, 99, 10],
    ["p90 of 1..10 is exactly the 9th", oneToTen, 90, 9],
    ["p95 of 20 values is exactly the 19th (no float overshoot)", Array.from({ length: 20 }, (_, i) => i + 1), 95, 19],
    // One stalled request in a hundred is the p99 only if it is the 100th: it must not hide at p99 of 200.
    ["one outlier in 100 shows at p100, not p99", [...Array(99).fill(1), 1000], 99, 1],
    ["two outliers in 100 show at p99", [...Array(98).fill(1), 1000, 1000], 99, 1000],
    ["numeric sort, not lexicographic", [100, 20, 3], 50, 20],
  ];
  it.each(cases)("%s", (_name, values, p, expected) => {
    expect(percentile(values, p)).toBe(expected);
  });

  it.each([0, -1, 101, Number.NaN])("rejects percentile %p", (p) => {
    expect(() => percentileOfSorted([1, 2, 3], p)).toThrow(RangeError);
  });
});

describe("summarize", () => {
  it("summarizes an empty set with nulls", () => {
    expect(summarize([])).toEqual({ count: 0, min: null, mean: null, p50: null, p95: null, p99: null, max: null });
  });

  it("summarizes 1..1000 exactly", () => {
    const values = Array.from({ length: 1000 }, (_, i) => 1000 - i);
    expect(summarize(values)).toEqual({ count: 1000, min: 1, mean: 500.5, p50: 500, p95: 950, p99: 990, max: 1000 });
  });

  it("rounds to two decimals", () => {
    expect(summarize([1.23456, 2.34567])).toMatchObject({ min: 1.23, max: 2.35, mean: 1.79 });
    expect(round(1.005 * 1000, 0)).toBe(1005);
  });
});
