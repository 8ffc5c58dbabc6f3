// A report read in pages of environments (compliance, usage): the shell the report pages share —
// read the first page whenever what is asked changes, keep why the last read failed, and add the
// next page's lists on "more".
import { useEffect, useState } from "preact/hooks";
import { call } from "./api.ts";
import { usePortal } from "./context.ts";

/** A page of a report: its lists of rows, and the cursor of the next page when more follow. */
export type ReportPage = { readonly nextCursor?: string };

/**
 * `next` added to the pages read so far: its summary, totals and cursor (they are the whole report's,
 * or the next page's), and each of `lists` after the rows already read.
 */
export function appendReportPage<R extends ReportPage>(read: R, next: R, lists: readonly (keyof R & string)[]): R {
  const joined: Record<string, unknown> = { ...next };
  for (const key of lists) joined[key] = [...(read[key] as readonly unknown[]), ...(next[key] as readonly unknown[])];
  return joined as R;
}

/** `path` (which may carry a query) asking for the page after `cursor`. */
export function reportPagePath(path: string, cursor: string | undefined): string {
  return cursor ? `${path}${path.includes("?") ? "&" : "?"}cursor=${encodeURIComponent(cursor)}` : path;
}

export interface ReportState<R extends ReportPage> {
  /** The pages read so far, joined; null until the first one came. */
  readonly report: R | null;
  /** Why the last read failed (an ApiError when the API answered), null once a read succeeded. */
  readonly failure: unknown;
  /** Reads the page after the last one read and adds its rows (for the "more" button under a report with a cursor). */
  readonly more: () => void;
}

/**
 * The report at `path` (its query included, the page size too; null: nothing asked yet), read again
 * whenever the path or the token changes. A failed read leaves the pages read so far as they were.
 */
export function useReport<R extends ReportPage>(path: string | null, lists: readonly (keyof R & string)[]): ReportState<R> {
  const { token } = usePortal();
  const [report, setReport] = useState<R | null>(null);
  const [failure, setFailure] = useState<unknown>(null);

  const load = async (from: string, cursor?: string) => {
    try {
      const r = await call<R>(token, "GET", reportPagePath(from, cursor));
      setReport((read) => (cursor && read ? appendReportPage(read, r.body, lists) : r.body));
      setFailure(null);
    } catch (e) {
      setFailure(e);
    }
  };
  useEffect(() => {
    if (path !== null) void load(path);
  }, [path, token]);

  return {
    report,
    failure,
    more: () => {
      if (path !== null && report?.nextCursor) void load(path, report.nextCursor);
    },
  };
}
