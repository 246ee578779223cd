/** A Python expression written verbatim (an env lookup, a call) inside a rendered literal. */
export class PythonExpression {
  constructor(public readonly code: string) {}
}

export function pyExpr(code: string): PythonExpression {
  return new PythonExpression(code);
}

/**
 * Renders a JSON-like value as a Python literal. Keys keep their insertion order, so the output
 * is deterministic. JSON string escapes are valid Python string escapes.
 */
export function toPython(value: unknown, indent = 0): string {
  const pad = '    '.repeat(indent + 1);
  const end = '    '.repeat(indent);
  if (value instanceof PythonExpression) return value.code;
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`cannot render ${value} as Python`);
    return String(value);
  }
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    return `[\n${value.map((v) => `${pad}${toPython(v, indent + 1)},`).join('\n')}\n${end}]`;
  }
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 0) return '{}';
    return `{\n${entries.map(([k, v]) => `${pad}${JSON.stringify(k)}: ${toPython(v, indent + 1)},`).join('\n')}\n${end}}`;
  }
  throw new Error(`cannot render ${typeof value} as Python`);
}
