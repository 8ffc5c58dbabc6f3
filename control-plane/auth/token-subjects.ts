import { POLICY, type Policy } from "../../model/index.ts";
import type { ProblemIssue } from "../domain/index.ts";
import type { TokenRecord } from "../store/index.ts";

/** Who a token acts as, beyond its subject: the person accountable for it, its role and its organization. */
export interface SubjectBinding {
  readonly root: string;
  readonly role: string;
  readonly org: string | null;
}

/**
 * The reserved prefix (policy `apiTokenSubjects.reservedPrefixes`) `subject` starts with, or the
 * reserved name (`reservedNames`) it is, compared case-insensitively; undefined when neither.
 */
export function reservedSubjectPrefix(subject: string, policy: Policy = POLICY): string | undefined {
  const lower = subject.toLowerCase();
  return (
    policy.apiTokenSubjects.reservedPrefixes.find((p) => lower.startsWith(p.toLowerCase())) ??
    policy.apiTokenSubjects.reservedNames.find((n) => lower === n.toLowerCase())
  );
}

/**
 * Why a token bound as `wanted` may not be minted for `subject`, whose first token is `first`
 * (undefined: the subject is new and `wanted` binds it). A subject names one identity (policy
 * `apiTokenSubjects`): a later token must carry the first one's root person, role and organization,
 * so minting again only renews it. One issue per attribute that differs, rule `subject-bound`.
 */
export function subjectBindingIssues(subject: string, wanted: SubjectBinding, first: TokenRecord | undefined, policy: Policy = POLICY): ProblemIssue[] {
  if (first === undefined) return [];
  const bound: SubjectBinding = { root: first.lineage.root, role: first.role, org: first.org };
  const since = `since its first token (${first.createdAt})`;
  const another = "mint a token under another subject for another person, role or organization";
  const issues: ProblemIssue[] = [];
  for (const attribute of policy.apiTokenSubjects.bound) {
    if (bound[attribute] === wanted[attribute]) continue;
    if (attribute === "root") {
      issues.push({
        field: "subject",
        rule: "subject-bound",
        message: `${subject} stands for ${bound.root} ${since}; this token would stand for ${wanted.root} and act as ${subject}; ${another}`,
        value: subject,
      });
    } else if (attribute === "role") {
      issues.push({
        field: "role",
        rule: "subject-bound",
        message: `${subject} acts as ${bound.role} ${since}; a token for it can only renew that role; ${another}`,
        value: wanted.role,
      });
    } else {
      issues.push({
        field: "org",
        rule: "subject-bound",
        message: `${subject} acts ${bound.org === null ? "platform-wide" : `for ${bound.org}`} ${since}; a token for it can only renew that; ${another}`,
        value: wanted.org,
      });
    }
  }
  return issues;
}
