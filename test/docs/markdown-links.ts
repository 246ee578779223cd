import * as fs from 'node:fs';
import * as path from 'node:path';
import MarkdownIt from 'markdown-it';

// The relative links of Markdown files and the anchors their headings get on GitHub, so a test
// can tell a link to a missing file or a missing section. markdown-it parses the text, so links
// inside code blocks and code spans are not links.

const markdown = new MarkdownIt();

/** Depth-first: every token, the inline children included. */
function allTokens(tokens: readonly MarkdownIt.Token[]): MarkdownIt.Token[] {
  return tokens.flatMap((t) => [t, ...allTokens(t.children ?? [])]);
}

/**
 * GitHub's anchor for a heading: lower case, punctuation and symbols dropped (letters, digits,
 * "_", "-" and spaces stay), each space a "-". github-slugger is the reference implementation,
 * but it is ESM-only since 2.0 and this suite is CommonJS.
 */
export function headingSlug(text: string): string {
  return text.toLowerCase().replace(/[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu, '').replace(/ /g, '-');
}

/** The anchors of a document's headings; a repeated heading gets "-1", "-2", ... as on GitHub. */
export function headingAnchors(text: string): Set<string> {
  const tokens = markdown.parse(text, {});
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  tokens.forEach((token, i) => {
    if (token.type !== 'heading_open') return;
    const inline = tokens[i + 1];
    const words = (inline.children ?? []).filter((c) => c.type === 'text' || c.type === 'code_inline').map((c) => c.content).join('');
    const base = headingSlug(words);
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  });
  return anchors;
}

/** Every link and image target of a document, as written. */
export function linkTargets(text: string): string[] {
  return allTokens(markdown.parse(text, {}))
    .map((t) => (t.type === 'link_open' ? t.attrGet('href') : t.type === 'image' ? t.attrGet('src') : null))
    .filter((href): href is string => href !== null);
}

/**
 * The broken relative links of `file` (relative to `root`): a target that is not in the
 * repository, or an anchor no heading of the target gets. Links with a scheme (https:, mailto:)
 * are not checked.
 */
export function brokenLinks(root: string, file: string, read: (file: string) => string | undefined = (f) => readIfFile(root, f)): string[] {
  const text = read(file);
  if (text === undefined) return [`${file}: not found`];
  const problems: string[] = [];
  for (const target of linkTargets(text)) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue;
    const [rawPath, anchor] = target.split('#', 2);
    const resolved = rawPath === '' ? file : path.posix.normalize(path.posix.join(path.posix.dirname(file), decodeURIComponent(rawPath)));
    if (resolved.startsWith('../') || path.posix.isAbsolute(resolved)) {
      problems.push(`${file}: ${target} points outside the repository`);
      continue;
    }
    if (rawPath !== '' && !exists(root, resolved, read)) {
      problems.push(`${file}: ${target} points at ${resolved}, which does not exist`);
      continue;
    }
    if (anchor === undefined) continue;
    const targetText = resolved.endsWith('.md') ? read(resolved) : undefined;
    if (targetText === undefined) problems.push(`${file}: ${target} has an anchor, but ${resolved} is not a Markdown file`);
    else if (!headingAnchors(targetText).has(anchor)) problems.push(`${file}: ${target}: ${resolved} has no heading with the anchor #${anchor}`);
  }
  return problems;
}

function readIfFile(root: string, file: string): string | undefined {
  const full = path.join(root, file);
  return fs.existsSync(full) && fs.statSync(full).isFile() ? fs.readFileSync(full, 'utf8') : undefined;
}

function exists(root: string, file: string, read: (file: string) => string | undefined): boolean {
  return read(file) !== undefined || fs.existsSync(path.join(root, file));
}
