// Small text formatters for terminal output.

// The library's own: escaping and durations are shown the same way everywhere.
export { escapeControl, formatDuration, formatTimeLeft, jsonText } from "../lib/text.js";

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
