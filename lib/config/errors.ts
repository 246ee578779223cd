/** One thing wrong with an environment: which field, what value, which rule, how to fix it. */
export interface ConfigProblem {
  /** Dotted path of the field, e.g. `superset.web.minReplicas`. */
  readonly field: string;
  /** The offending value as written (after defaults were merged in). */
  readonly value: unknown;
  /** The rule the value breaks, as a sentence fragment ("must be at least 1"). */
  readonly rule: string;
  /** What to change, concretely. */
  readonly fix: string;
}

export function describeValue(value: unknown): string {
  if (value === undefined) return '(missing)';
  // JSON has no Infinity or NaN: it would print them as null.
  if (typeof value === 'number') return String(value);
  if (typeof value === 'function') return '(a function)';
  const text = JSON.stringify(value, (_key, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v));
  if (text === undefined) return String(value); // a symbol
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

/** Thrown when an environment is invalid; lists every problem, not just the first. */
export class ConfigError extends Error {
  constructor(
    public readonly environment: string,
    public readonly problems: readonly ConfigProblem[],
  ) {
    super(
      [
        `Invalid environment "${environment}" (environments/${environment}.ts): ${problems.length} problem(s)`,
        ...problems.map(
          (p) => `  - ${p.field} = ${describeValue(p.value)}\n      rule: ${p.rule}\n      fix:  ${p.fix}`,
        ),
      ].join('\n'),
    );
    this.name = 'ConfigError';
  }
}

/** Thrown for a name that matches no file in environments/. */
export class UnknownEnvironmentError extends Error {
  constructor(name: string, known: readonly string[]) {
    super(
      `Unknown environment "${name}": no environments/${name}.ts is registered. ` +
        `Known environments: ${known.join(', ')}. ` +
        `Fix: use one of those names, or add environments/${name}.ts and register it in environments/index.ts.`,
    );
    this.name = 'UnknownEnvironmentError';
  }
}
