import type { ComponentChildren } from "preact";
import type { Lang } from "./i18n.ts";
import { translateValue } from "./i18n.ts";

/** The ARIA wiring a control inside <Field> receives. */
export interface FieldA11y {
  readonly id: string;
  readonly "aria-describedby"?: string;
  readonly "aria-invalid"?: "true";
}

export interface FieldHint {
  readonly text: string;
  readonly blocking: boolean;
}

/**
 * A labelled control with its hint, placement rules and errors announced with it (aria-describedby),
 * so a screen reader reads the rule that blocks a choice next to that choice.
 */
export function Field(props: {
  id: string;
  label: string;
  hint?: string | undefined;
  rules?: readonly FieldHint[];
  errors?: readonly string[] | undefined;
  children: (a11y: FieldA11y) => ComponentChildren;
}) {
  const { id, label, hint, rules = [], errors = [] } = props;
  const described = [hint ? `${id}-hint` : "", rules.length ? `${id}-rules` : "", errors.length ? `${id}-error` : ""].filter(Boolean).join(" ");
  return (
    <div class={`field${errors.length ? " invalid" : ""}`}>
      <label for={id}>{label}</label>
      {props.children({ id, ...(described ? { "aria-describedby": described } : {}), ...(errors.length ? { "aria-invalid": "true" as const } : {}) })}
      {hint && (
        <p class="hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
      {rules.length > 0 && (
        <ul class="rules" id={`${id}-rules`} data-field-rules={id}>
          {rules.map((r) => (
            <li class={r.blocking ? "rule blocking" : "rule"}>{r.text}</li>
          ))}
        </ul>
      )}
      {errors.length > 0 && (
        <p class="error" id={`${id}-error`} data-field-error={id}>
          {errors.join(" ")}
        </p>
      )}
    </div>
  );
}

export function PhaseBadge(props: { lang: Lang; phase: string; kind?: "phase" | "sitePhase" }) {
  const kind = props.kind ?? "phase";
  return (
    <span class={`badge phase-${props.phase}`} data-phase={props.phase}>
      {translateValue(props.lang, kind, props.phase)}
    </span>
  );
}

/** A message for everyone (role=status) or an error (role=alert). */
export function Notice(props: { kind: "ok" | "error"; children: ComponentChildren }) {
  return (
    <div class={`notice ${props.kind}`} role={props.kind === "error" ? "alert" : "status"}>
      {props.children}
    </div>
  );
}
