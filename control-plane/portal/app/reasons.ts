// Why a request waits for an operator, in the reader's language. The workflow writes it as
// "needs approval: <limit>; <limit>" from POLICY.autoApproval (control-plane/workflow/auto-approval.ts);
// each limit it can name is matched here, and anything else is shown as written.
import { translateValue, type Lang } from "./i18n.ts";

type Part = (m: RegExpExecArray, lang: Lang) => string;

const GI = 1024 ** 3;
const gib = (bytes: string) => `${Math.round((Number(bytes) / GI) * 10) / 10} GiB`;

const PARTS: readonly [RegExp, Part][] = [
  [/^security level (\d) is above (\d)$/, (m) => `cấp độ an toàn ${m[1]} cao hơn mức tự duyệt ${m[2]}`],
  [
    /^data class (\w+) needs a human \(auto: (.*)\)$/,
    (m, lang) =>
      `${translateValue(lang, "dataClass", m[1]!).toLowerCase()} cần người duyệt (tự duyệt chỉ với: ${m[2]!
        .split(", ")
        .map((c) => translateValue(lang, "dataClass", c).toLowerCase())
        .join(", ")})`,
  ],
  [/^stage (\w+) needs a human \(auto: (.*)\)$/, (m) => `giai đoạn ${m[1]} cần người duyệt (tự duyệt chỉ với: ${m[2]})`],
  [/^cpu (\d+)m is above (\d+)m$/, (m) => `CPU ${Number(m[1]) / 1000} lõi vượt mức tự duyệt ${Number(m[2]) / 1000} lõi`],
  [/^memory (\d+) bytes is above (\d+)$/, (m) => `bộ nhớ ${gib(m[1]!)} vượt mức tự duyệt ${gib(m[2]!)}`],
  [/^gpu (\d+) is above (\d+)$/, (m) => `${m[1]} GPU vượt mức tự duyệt ${m[2]}`],
  [/^storage (\d+) bytes \(all tiers\) is above (\d+)$/, (m) => `lưu trữ ${gib(m[1]!)} vượt mức tự duyệt ${gib(m[2]!)}`],
  [/^admitted with a compliance exception$/, () => "được chấp nhận kèm ngoại lệ tuân thủ"],
  [/^asks for LoadBalancer services$/, () => "yêu cầu dịch vụ LoadBalancer"],
];

/** The reason in `lang`: English as the workflow wrote it; Vietnamese part by part where known. */
export function explainReason(lang: Lang, reason: string): string {
  if (lang === "en") return reason;
  const head = /^(change )?needs approval: (.*)$/.exec(reason);
  if (!head) return reason;
  const parts = head[2]!.split("; ").map((part) => {
    for (const [pattern, say] of PARTS) {
      const m = pattern.exec(part);
      if (m) return say(m, lang);
    }
    return part;
  });
  return `${head[1] ? "Thay đổi cần phê duyệt" : "Cần phê duyệt"}: ${parts.join("; ")}.`;
}
