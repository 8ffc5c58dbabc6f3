// Bounds what one authenticated caller's denials write to the audit trail, without losing that they
// happened: each denial of a caller is recorded in full up to a limit per minute, then counted, and
// the counts go into one summary record per (action, organization) when the minute is over.

/** Limits of the denial records one authenticated subject writes. */
export interface DenialAuditLimits {
  /** Records per minute for one subject, one route (method and pattern) and one organization. @default 10 */
  readonly perAction?: number;
  /** Records per minute for one subject, all routes together. @default 60 */
  readonly perSubject?: number;
}

/** One denial, as the coalescer sees it. */
export interface Denial {
  readonly subject: string;
  readonly role: string | null;
  /** The organization the attempt was on (its audit slug), null when none. */
  readonly org: string | null;
  /** `GET /v1/tokens` */
  readonly action: string;
  readonly status: number;
  readonly reason: string | null;
  /** Whose attempt it was (the caller's organization): the org-scoped auditor's redaction reads it. */
  readonly actorOrg: string | null;
}

/** What a summary record says: how many denials of one action went unrecorded in a window, and how. */
export interface DenialSummary {
  readonly subject: string;
  readonly role: string | null;
  readonly org: string | null;
  readonly actorOrg: string | null;
  readonly action: string;
  /** Denials counted but not recorded one by one. */
  readonly count: number;
  readonly from: string;
  readonly until: string;
  /** Counts by status and by reason (bounded: statuses and rules are the service's own). */
  readonly statuses: Readonly<Record<string, number>>;
  readonly reasons: Readonly<Record<string, number>>;
  /** The window's first and last unrecorded denial. */
  readonly first: string;
  readonly last: string;
}

interface ActionCount {
  recorded: number;
  suppressed: number;
  first: number;
  last: number;
  statuses: Record<string, number>;
  reasons: Record<string, number>;
  denial: Denial;
}

interface SubjectWindow {
  readonly start: number;
  recorded: number;
  readonly actions: Map<string, ActionCount>;
}

const WINDOW_MS = 60_000;
/** Subjects followed at once; past it, windows that ended are summarized, and denials are recorded in full if still full. */
const MAX_SUBJECTS = 10_000;

/**
 * Decides, per authenticated denial, whether it gets its own audit record, and hands back the
 * summaries of windows that ended. Windows are per subject, one minute from its first denial. Held
 * in memory per replica: each replica records its own share, and `drain(…, true)` at shutdown hands
 * back every count still open.
 */
export class DenialCoalescer {
  private readonly perAction: number;
  private readonly perSubject: number;
  private readonly windows = new Map<string, SubjectWindow>();

  constructor(limits: DenialAuditLimits = {}) {
    this.perAction = limits.perAction ?? 10;
    this.perSubject = limits.perSubject ?? 60;
  }

  /**
   * Counts a denial at `at` (ms). `record` says whether it gets its own record; `summaries` are the
   * windows of this subject (or, when many subjects are followed, of anyone) that ended before it:
   * write them first.
   */
  admit(denial: Denial, at: number): { record: boolean; summaries: DenialSummary[] } {
    const summaries: DenialSummary[] = [];
    let window = this.windows.get(denial.subject);
    if (window && at - window.start >= WINDOW_MS) {
      summaries.push(...summariesOf(window, at));
      this.windows.delete(denial.subject);
      window = undefined;
    }
    if (!window) {
      if (this.windows.size >= MAX_SUBJECTS) summaries.push(...this.drain(at));
      // Still full of live windows: record in full rather than forget (the audit stays complete).
      if (this.windows.size >= MAX_SUBJECTS) return { record: true, summaries };
      window = { start: at, recorded: 0, actions: new Map() };
      this.windows.set(denial.subject, window);
    }
    const key = `${denial.action}\n${denial.org ?? ""}`;
    let count = window.actions.get(key);
    if (!count) {
      count = { recorded: 0, suppressed: 0, first: at, last: at, statuses: {}, reasons: {}, denial };
      window.actions.set(key, count);
    }
    if (count.recorded < this.perAction && window.recorded < this.perSubject) {
      count.recorded++;
      window.recorded++;
      return { record: true, summaries };
    }
    if (count.suppressed === 0) count.first = at;
    count.suppressed++;
    count.last = at;
    count.statuses[String(denial.status)] = (count.statuses[String(denial.status)] ?? 0) + 1;
    const reason = denial.reason ?? "(none)";
    count.reasons[reason] = (count.reasons[reason] ?? 0) + 1;
    return { record: false, summaries };
  }

  /** The summaries of every window that ended by `at` (all windows with `all`, at shutdown), forgotten here. */
  drain(at: number, all = false): DenialSummary[] {
    const out: DenialSummary[] = [];
    for (const [subject, window] of this.windows) {
      if (!all && at - window.start < WINDOW_MS) continue;
      out.push(...summariesOf(window, at));
      this.windows.delete(subject);
    }
    return out;
  }

  /** Gives back summaries whose records could not be written, so a later drain tries again. */
  restore(summaries: readonly DenialSummary[], at: number): void {
    for (const s of summaries) {
      const key = `${s.action}\n${s.org ?? ""}`;
      let window = this.windows.get(s.subject);
      if (!window) {
        window = { start: at - WINDOW_MS, recorded: 0, actions: new Map() };
        this.windows.set(s.subject, window);
      }
      const count = window.actions.get(key);
      const first = Date.parse(s.first);
      const last = Date.parse(s.last);
      const denial: Denial = { subject: s.subject, role: s.role, org: s.org, action: s.action, status: 0, reason: null, actorOrg: s.actorOrg };
      const merged: ActionCount = count ?? { recorded: 0, suppressed: 0, first, last, statuses: {}, reasons: {}, denial };
      merged.suppressed += s.count;
      merged.first = Math.min(merged.first, first);
      merged.last = Math.max(merged.last, last);
      for (const [k, v] of Object.entries(s.statuses)) merged.statuses[k] = (merged.statuses[k] ?? 0) + v;
      for (const [k, v] of Object.entries(s.reasons)) merged.reasons[k] = (merged.reasons[k] ?? 0) + v;
      window.actions.set(key, merged);
    }
  }
}

function summariesOf(window: SubjectWindow, at: number): DenialSummary[] {
  const out: DenialSummary[] = [];
  for (const count of window.actions.values()) {
    if (count.suppressed === 0) continue;
    const d = count.denial;
    out.push({
      subject: d.subject,
      role: d.role,
      org: d.org,
      actorOrg: d.actorOrg,
      action: d.action,
      count: count.suppressed,
      from: new Date(window.start).toISOString(),
      until: new Date(Math.min(at, window.start + WINDOW_MS)).toISOString(),
      statuses: count.statuses,
      reasons: count.reasons,
      first: new Date(count.first).toISOString(),
      last: new Date(count.last).toISOString(),
    });
  }
  return out;
}
