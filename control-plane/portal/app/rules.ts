// The placement rules, explained in the form before anything is submitted. They are the model's own
// pure functions and policy tables (bundled into the page), so the portal and admission never differ.
import {
  dataClassRank,
  effectiveDataClass,
  minimumSecurityLevel,
  POLICY,
  type DataClass,
  type PersonalData,
  type SecurityLevel,
  type SiteStatus,
  type Stage,
  type Zone,
} from "../../../model/index.ts";
import { translate, translateValue, type Lang } from "./i18n.ts";

/** What the form holds while it is being filled in. */
export interface DraftSpec {
  readonly stage: Stage;
  readonly zone: Zone;
  readonly dataClass: DataClass;
  readonly personalData: PersonalData;
  readonly personalDataSubjects?: number | undefined;
  readonly securityLevel: SecurityLevel;
  readonly sites: readonly string[];
}

export interface SiteInfo {
  readonly id: string;
  readonly status: SiteStatus;
}

export interface OrgLimits {
  readonly maxDataClass: DataClass;
  readonly maxSecurityLevel: number;
}

/** A sentence next to a field: `blocking` when admission would refuse the request as it stands. */
export interface Hint {
  readonly field: "dataClass" | "zone" | "securityLevel" | "sites";
  readonly text: string;
  readonly blocking: boolean;
}

const list = (lang: Lang, items: readonly string[]) => items.join(lang === "vi" ? " hoặc " : " or ");

/** Every rule that bears on the draft, in the order the fields appear. */
export function placementHints(lang: Lang, draft: DraftSpec, sites: readonly SiteInfo[], org?: OrgLimits): Hint[] {
  const hints: Hint[] = [];
  const cls = (c: DataClass) => translateValue(lang, "dataClass", c);
  const pd = translateValue(lang, "pdPhrase", draft.personalData);
  const dataClass = effectiveDataClass(draft.dataClass, draft.personalData, draft.personalDataSubjects, POLICY);
  if (dataClass !== draft.dataClass) {
    hints.push({
      field: "dataClass",
      blocking: true,
      text: translate(lang, "rule.classRaised", {
        subjects: (draft.personalDataSubjects ?? 0).toLocaleString(lang === "vi" ? "vi-VN" : "en-GB"),
        personalData: pd,
        dataClass: cls(dataClass).toLowerCase(),
      }),
    });
  }
  if (org && dataClassRank(dataClass) > dataClassRank(org.maxDataClass)) {
    hints.push({ field: "dataClass", blocking: true, text: translate(lang, "rule.orgMaxClass", { dataClass: cls(org.maxDataClass).toLowerCase() }) });
  }
  const zones = POLICY.zonesByDataClass.allowed[dataClass];
  if (!zones.includes(draft.zone)) {
    hints.push({
      field: "zone",
      blocking: true,
      text: translate(lang, "rule.zoneForClass", {
        dataClass: cls(dataClass),
        zones: list(
          lang,
          zones.map((z) => translateValue(lang, "zone", z)),
        ),
      }),
    });
  }
  const level = minimumSecurityLevel(dataClass, draft.personalData, false, POLICY);
  if (draft.securityLevel < level) {
    hints.push({
      field: "securityLevel",
      blocking: true,
      text: translate(lang, "rule.minLevel", { level, dataClass: cls(dataClass).toLowerCase(), personalData: pd }),
    });
  }
  if (org && draft.securityLevel > org.maxSecurityLevel) {
    hints.push({ field: "securityLevel", blocking: true, text: translate(lang, "rule.orgMaxLevel", { level: org.maxSecurityLevel }) });
  }
  if (draft.securityLevel >= POLICY.dedicatedPoolFromLevel.level) {
    hints.push({ field: "securityLevel", blocking: false, text: translate(lang, "rule.dedicated", { level: POLICY.dedicatedPoolFromLevel.level }) });
  }
  for (const id of draft.sites) {
    const site = sites.find((s) => s.id === id);
    if (site && !POLICY.siteAdmission[site.status].includes(draft.stage)) {
      hints.push({
        field: "sites",
        blocking: true,
        text: translate(lang, "rule.siteAccepts", { site: id, status: translateValue(lang, "siteStatus", site.status), stage: draft.stage }),
      });
    }
  }
  const multi = POLICY.multiSite;
  if (multi.appliesToDataClasses.includes(dataClass) || draft.securityLevel >= multi.appliesFromLevel) {
    const active = sites.filter((s) => s.status === "active");
    const chosenActive = draft.sites.filter((id) => active.some((s) => s.id === id));
    const what = multi.appliesToDataClasses.includes(dataClass)
      ? translate(lang, "rule.multiSiteCore")
      : translate(lang, "rule.multiSiteLevel", { level: draft.securityLevel });
    // With fewer active sites than the rule needs, admission grants an exception instead of refusing.
    const blocking = active.length >= multi.minActiveSites && chosenActive.length < multi.minActiveSites;
    hints.push({ field: "sites", blocking, text: translate(lang, "rule.multiSite", { what, count: multi.minActiveSites, km: multi.minDistanceKm }) });
  }
  return hints;
}
