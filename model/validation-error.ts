/** One broken rule: which field, what value, which rule, and a message that says what to do. */
export interface ValidationIssue {
  /** Dotted path of the field, e.g. `resources.cpu` or `organizations[3].slug`. */
  readonly field: string;
  /** The value received (as given). */
  readonly value: unknown;
  /** Stable rule id, e.g. `slug-format`, `zone-for-data-class`. */
  readonly rule: string;
  /** Lowercase, no trailing period: what is wrong and what is allowed. */
  readonly message: string;
}

/**
 * Thrown by every `validateX()` in the model. Carries all issues found, not only the first, so a
 * user fixes a file or request in one pass.
 */
export class ValidationError extends Error {
  readonly issues: readonly ValidationIssue[];
  constructor(issues: readonly ValidationIssue[], context?: string) {
    super(formatIssues(issues, context));
    this.name = "ValidationError";
    this.issues = issues;
  }
}

/** Renders issues as `field: message (got value) [rule]`, one per line. */
export function formatIssues(issues: readonly ValidationIssue[], context?: string): string {
  const lines = issues.map((i) => `${i.field}: ${i.message} (got ${renderValue(i.value)}) [${i.rule}]`);
  const head = context ? `${context}: ` : "";
  return issues.length === 1 ? `${head}${lines[0]}` : `${head}${issues.length} problems\n  ${lines.join("\n  ")}`;
}

function renderValue(value: unknown): string {
  if (value === undefined) return "nothing";
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** Collects issues while validating; `throwIfAny` ends validation with one error. */
export class IssueCollector {
  readonly issues: ValidationIssue[] = [];
  add(field: string, value: unknown, rule: string, message: string): void {
    this.issues.push({ field, value, rule, message });
  }
  get ok(): boolean {
    return this.issues.length === 0;
  }
  throwIfAny(context?: string): void {
    if (this.issues.length > 0) throw new ValidationError(this.issues, context);
  }
}
