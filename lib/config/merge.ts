/** Plain objects merge key by key; arrays and scalars in the override replace the default. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Deep-merges an environment override onto the defaults. `undefined` keeps the default.
 * `templates` gives, per dotted path of an open map (e.g. `superset.workers`), the defaults
 * that a newly added entry starts from. Unknown keys are kept, so the schema can name them.
 */
export function deepMerge(
  base: unknown,
  override: unknown,
  templates: Readonly<Record<string, unknown>> = {},
  path = '',
): unknown {
  if (override === undefined) return base;
  if (!isPlainObject(override) || !isPlainObject(base)) return override;
  const result: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(override)) {
    const childPath = path ? `${path}.${key}` : key;
    const start = key in base ? base[key] : templates[path];
    result[key] = deepMerge(start, value, templates, childPath);
  }
  return result;
}
