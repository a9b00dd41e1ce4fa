/** Dates and numbers as the console shows them. Every function takes its locale and zone, so tests pin them. */

export interface FormatOptions {
  locale?: string;
  timeZone?: string;
}

/** "31 Jan 2026, 12:00" ("…, 12:00:05" with `seconds`); an em dash for null. */
export function formatDateTime(
  iso: string | null | undefined,
  opts: FormatOptions & { seconds?: boolean } = {},
): string {
  if (!iso) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '—';
  return new Intl.DateTimeFormat(opts.locale ?? 'en-GB', {
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    ...(opts.seconds ? { second: '2-digit' as const } : {}),
    timeZone: opts.timeZone,
  }).format(date);
}

/** "31 Jan" for a calendar date (YYYY-MM-DD, a UTC day). */
export function formatDay(date: string, opts: FormatOptions = {}): string {
  const parsed = new Date(`${date}T00:00:00Z`);
  if (Number.isNaN(parsed.getTime())) return date;
  return new Intl.DateTimeFormat(opts.locale ?? 'en-GB', {
    day: 'numeric',
    month: 'short',
    timeZone: 'UTC',
  }).format(parsed);
}

/** "just now", "5 minutes ago", "3 hours ago", "2 days ago", else the date. */
export function formatRelative(
  iso: string | null | undefined,
  now: Date = new Date(),
  opts: FormatOptions = {},
): string {
  if (!iso) return 'never';
  const then = new Date(iso).getTime();
  if (Number.isNaN(then)) return '—';
  const seconds = Math.round((now.getTime() - then) / 1000);
  if (seconds < 60) return 'just now';
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return minutes === 1 ? '1 minute ago' : `${minutes} minutes ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return hours === 1 ? '1 hour ago' : `${hours} hours ago`;
  const days = Math.floor(hours / 24);
  if (days < 14) return days === 1 ? 'yesterday' : `${days} days ago`;
  return formatDateTime(iso, opts);
}

/** 12,345 */
export function formatCount(n: number, opts: FormatOptions = {}): string {
  return new Intl.NumberFormat(opts.locale ?? 'en-GB').format(n);
}

/** A browser's user agent in a few words: "Firefox on Linux", "Chrome on Android"; "Unknown device" for none. */
export function describeUserAgent(ua: string | null | undefined): string {
  if (!ua) return 'Unknown device';
  const browser = /Edg\//.test(ua)
    ? 'Edge'
    : /OPR\//.test(ua)
      ? 'Opera'
      : /Firefox\//.test(ua)
        ? 'Firefox'
        : /HeadlessChrome\//.test(ua)
          ? 'Headless Chrome'
          : /Chrom(e|ium)\//.test(ua)
            ? 'Chrome'
            : /Safari\//.test(ua)
              ? 'Safari'
              : /^curl\//.test(ua)
                ? 'curl'
                : null;
  const os = /Android/.test(ua)
    ? 'Android'
    : /iPhone|iPad/.test(ua)
      ? 'iOS'
      : /Windows/.test(ua)
        ? 'Windows'
        : /Mac OS X|Macintosh/.test(ua)
          ? 'macOS'
          : /Linux/.test(ua)
            ? 'Linux'
            : null;
  if (browser && os) return `${browser} on ${os}`;
  if (browser ?? os) return (browser ?? os) as string;
  return ua.length > 40 ? `${ua.slice(0, 40)}…` : ua;
}

/** "user.password_changed" → "Password changed"; "admin.user_updated" → "User updated (by an admin)". */
export function describeAction(action: string): string {
  const [scope, name] = action.includes('.') ? action.split('.', 2) : ['', action];
  const words = (name ?? '').replaceAll('_', ' ');
  const sentence = words.charAt(0).toUpperCase() + words.slice(1);
  return scope === 'admin' ? `${sentence} (by an admin)` : sentence;
}

/** An audit event's details in one line: `full_name: "Ada" → "Ada King"; reason: bad_password`. */
export function describeDetails(details: Record<string, unknown> | null | undefined): string {
  if (!details) return '';
  return Object.entries(details)
    .map(([key, value]) => {
      if (Array.isArray(value) && value.length === 2) {
        return `${key}: ${JSON.stringify(value[0])} → ${JSON.stringify(value[1])}`;
      }
      if (value !== null && typeof value === 'object') {
        return `${key}: ${describeDetails(value as Record<string, unknown>)}`;
      }
      return `${key}: ${typeof value === 'string' ? value : JSON.stringify(value)}`;
    })
    .join('; ');
}
