/**
 * Kubernetes resource quantities parsed once into typed numbers: CPU in millicores, memory and
 * storage in bytes. Strings like "500Mi" are never compared.
 * @see https://kubernetes.io/docs/reference/kubernetes-api/common-definitions/quantity/
 */

const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const DECIMAL: Record<string, number> = { "": 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };
/**
 * What the API accepts as a CPU quantity: whole cores with up to three decimals ("2", "0.5") or
 * millicores ("500m"); every text it matches parses. Published in the OpenAPI document.
 */
export const CPU_QUANTITY_PATTERN = "^(?:[0-9]{1,9}m|[0-9]{1,9}(?:\\.[0-9]{1,3})?)$";

/** What the API accepts as memory or storage: whole numbers, optionally with a suffix ("32Gi", "500G"). */
export const BYTES_QUANTITY_PATTERN = "^[0-9]{1,15}(?:Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$";

const QUANTITY = /^([0-9]+(?:\.[0-9]+)?)(Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E)?$/;

/** Parses a CPU quantity ("2", "0.5", "500m") into millicores; undefined when malformed. */
export function parseCpuMillis(text: string): number | undefined {
  const m = QUANTITY.exec(text);
  if (!m) return undefined;
  const value = Number(m[1]);
  const unit = m[2] ?? "";
  if (unit === "m") return Number.isInteger(value) ? value : undefined;
  if (unit !== "") return undefined;
  const millis = value * 1000;
  return Number.isInteger(millis) ? millis : undefined;
}

/** Parses a memory or storage quantity ("32Gi", "500G", "1024") into bytes; undefined when malformed. */
export function parseBytes(text: string): number | undefined {
  const m = QUANTITY.exec(text);
  if (!m) return undefined;
  const unit = m[2] ?? "";
  if (unit === "m") return undefined;
  const factor = BINARY[unit] ?? DECIMAL[unit];
  if (factor === undefined) return undefined;
  const bytes = Number(m[1]) * factor;
  return Number.isInteger(bytes) ? bytes : undefined;
}

/** Renders millicores the way Kubernetes prints them: whole cores when exact, else "NNNm". */
export function formatCpu(millis: number): string {
  return millis % 1000 === 0 ? String(millis / 1000) : `${millis}m`;
}

/** Renders bytes with the largest exact binary suffix ("32Gi"), else plain bytes. */
export function formatBytes(bytes: number): string {
  for (const unit of ["Ei", "Pi", "Ti", "Gi", "Mi", "Ki"] as const) {
    const factor = BINARY[unit]!;
    if (bytes >= factor && bytes % factor === 0) return `${bytes / factor}${unit}`;
  }
  return String(bytes);
}

/** Compute and storage amounts in canonical units. */
export interface ResourceAmounts {
  readonly cpuMillis: number;
  readonly memoryBytes: number;
  readonly gpu: number;
  /** Bytes per storage tier name. */
  readonly storageBytes: Readonly<Record<string, number>>;
}

export const ZERO_AMOUNTS: ResourceAmounts = { cpuMillis: 0, memoryBytes: 0, gpu: 0, storageBytes: {} };

/** Adds two amounts tier by tier. */
export function addAmounts(a: ResourceAmounts, b: ResourceAmounts): ResourceAmounts {
  const storageBytes: Record<string, number> = { ...a.storageBytes };
  for (const [tier, bytes] of Object.entries(b.storageBytes)) storageBytes[tier] = (storageBytes[tier] ?? 0) + bytes;
  return {
    cpuMillis: a.cpuMillis + b.cpuMillis,
    memoryBytes: a.memoryBytes + b.memoryBytes,
    gpu: a.gpu + b.gpu,
    storageBytes,
  };
}
