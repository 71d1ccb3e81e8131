// Numbers and times as administrators read them: thousands separators, relative times.

const numberFormat = new Intl.NumberFormat();
/**
 * `Date#toLocaleString()`'s fields, made once: WebKit builds a new formatter for every
 * `toLocaleString()` call, which a grid of times (40 rows at every scroll) cannot afford.
 */
const timeFormat = new Intl.DateTimeFormat(undefined, { year: "numeric", month: "numeric", day: "numeric", hour: "numeric", minute: "numeric", second: "numeric" });
const dateFormat = new Intl.DateTimeFormat(undefined, { year: "numeric", month: "numeric", day: "numeric" });
const relativeFormat = new Intl.RelativeTimeFormat(undefined, { numeric: "auto", style: "short" });

/** 48330 → "48,330" (in the user's locale). */
export function formatCount(n: number): string {
  return numberFormat.format(n);
}

/** An ISO time as "4 min ago" / "in 3 h"; "—" when absent or unreadable. */
export function relativeTime(iso: string | null | undefined, now: number = Date.now()): string {
  if (!iso) return "—";
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  const secs = Math.round((t - now) / 1000);
  const abs = Math.abs(secs);
  if (abs < 45) return relativeFormat.format(secs, "second");
  if (abs < 45 * 60) return relativeFormat.format(Math.round(secs / 60), "minute");
  if (abs < 22 * 3600) return relativeFormat.format(Math.round(secs / 3600), "hour");
  if (abs < 26 * 86400) return relativeFormat.format(Math.round(secs / 86400), "day");
  return dateFormat.format(t);
}

/** The exact local time for a tooltip. */
export function exactTime(iso: string | null | undefined): string {
  if (!iso) return "never";
  const t = Date.parse(iso);
  return Number.isNaN(t) ? iso : timeFormat.format(t);
}

/** A long id shortened for grids: "5f2c9a…". */
export function shortId(id: string, keep = 8): string {
  return id.length > keep + 1 ? `${id.slice(0, keep)}…` : id;
}

/**
 * A long id shortened in the middle, so ids sharing a prefix still read apart:
 * "00000000-…-000000000042" → "0000…000042".
 */
export function midId(id: string, head = 4, tail = 6): string {
  return id.length > head + tail + 1 ? `${id.slice(0, head)}…${id.slice(-tail)}` : id;
}

/** An ISO time as a local date and time; the text as is when it is not a time. */
export function localTime(iso: string): string {
  if (!/^\d{4}-\d\d-\d\d[T ]\d\d:\d\d/.test(iso)) return iso;
  return exactTime(iso);
}
