import { Type, type TLiteral, type TUnion } from "@sinclair/typebox";

/** A union of string or number literals, so TypeBox and OpenAPI both list the allowed values. */
export function OneOf<const T extends readonly (string | number)[]>(values: T, options: { description?: string } = {}): TUnion<TLiteral<T[number]>[]> {
  return Type.Union(
    values.map((v) => Type.Literal(v)),
    options,
  ) as TUnion<TLiteral<T[number]>[]>;
}
