/**
 * Changes that remove information. OCPI has no way to say "remove this field" in a PATCH:
 * receivers merge what is given, and many refuse or keep a field sent as `null`. So a change that
 * clears a field is stored without it and pushed as a PUT of the complete object (docs/interop.md,
 * "Pushes that remove information").
 */

/** Whether a partial update sets some field, at any depth, to null. */
export function clearsAField(value: unknown): boolean {
  if (value === null) return true;
  if (Array.isArray(value)) return value.some(clearsAField);
  if (typeof value === 'object') return Object.values(value as Record<string, unknown>).some(clearsAField);
  return false;
}

/** The object without its null fields, at any depth: a cleared optional field is absent. */
export function withoutNulls<T>(value: T): T {
  if (Array.isArray(value)) return value.map(withoutNulls) as T;
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) if (v !== null) out[k] = withoutNulls(v);
  return out as T;
}
