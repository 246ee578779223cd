import { dump } from 'js-yaml';

/**
 * The YAML every generated file is written with (js-yaml: about 4x faster than the `yaml` library's
 * document model for our manifests, same output shape). Keys keep their order; long strings are
 * never folded; strings that would read as another type are quoted.
 */
export function toYaml(value: unknown, options: { readonly quoteAllStrings?: boolean } = {}): string {
  return dump(value, { noRefs: true, lineWidth: -1, quotingType: '"', forceQuotes: options.quoteAllStrings ?? false });
}

/** Several objects as one multi-document YAML file. */
export function toYamlDocuments(objects: readonly unknown[]): string {
  return objects.map((o) => toYaml(o)).join('---\n');
}
