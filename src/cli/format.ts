// Small text formatters for terminal output.

/** `2 h 5 min`, `59 min 58 s`, `12 s`; `expired 3 min ago` when negative; `no expiry` for Infinity. */
export function formatTimeLeft(seconds: number): string {
  if (seconds === Number.POSITIVE_INFINITY) return "no expiry";
  if (seconds < 0) return `expired ${formatDuration(-seconds)} ago`;
  return `${formatDuration(seconds)} left`;
}

/** A duration in the two largest units: `1 d 3 h`, `2 h 5 min`, `59 min 58 s`, `12 s`. */
export function formatDuration(seconds: number): string {
  let rest = Math.floor(seconds);
  const parts: string[] = [];
  for (const [unit, size] of [
    ["d", 86400],
    ["h", 3600],
    ["min", 60],
    ["s", 1],
  ] as const) {
    const n = Math.floor(rest / size);
    rest -= n * size;
    if (n > 0 || (unit === "s" && parts.length === 0)) parts.push(`${n} ${unit}`);
    if (parts.length === 2) break;
  }
  return parts.join(" ");
}

/** A Unix time (seconds) or Date as UTC ISO 8601 without milliseconds. */
export function formatInstant(when: number | Date): string {
  const date = typeof when === "number" ? new Date(when * 1000) : when;
  return Number.isNaN(date.getTime()) ? String(when) : date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

const UNITS = ["B", "KiB", "MiB", "GiB", "TiB"];

/** Bytes with a binary unit: `512 B`, `1.5 MiB`, `3.20 GiB`. */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  if (unit === 0) return `${value} B`;
  return `${value >= 100 ? value.toFixed(0) : value.toFixed(1)} ${UNITS[unit]}`;
}

/** Label/value rows, the labels padded to one width and indented. */
export function table(rows: readonly (readonly [string, string])[], indent = "  "): string[] {
  const width = Math.max(0, ...rows.map(([label]) => label.length));
  return rows.map(([label, value]) => `${indent}${label.padEnd(width)}  ${value}`);
}

/** A claim value for one line of text: strings as they are, lists joined, the rest as JSON. */
export function formatValue(value: unknown): string {
  if (typeof value === "string") return value;
  if (Array.isArray(value) && value.every((v) => typeof v === "string")) return value.join(", ");
  return JSON.stringify(value) ?? String(value);
}
