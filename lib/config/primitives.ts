import { z } from 'zod';
import { cpuToMillis, memoryToBytes } from './quantity';

// Field types shared by every section of the schema, each with the rule its error message states.

const CPU_FORMAT = /^([1-9]\d*m|\d+(\.\d{1,3})?)$/;
const BINARY_FORMAT = /^[1-9]\d*(Ki|Mi|Gi|Ti)$/;
/** The next smaller binary unit, to suggest when a value is out of range by a unit slip. */
const SMALLER_UNIT: Readonly<Record<string, string>> = { Ti: 'Gi', Gi: 'Mi', Mi: 'Ki' };

/** CPU cores: more than any container here uses (gunicorn and Celery are capped at 64 processes). */
export const MAX_CPU = 64;
export const cpuQuantity = z
  .string()
  .regex(CPU_FORMAT, 'must be a Kubernetes CPU quantity such as "500m" or "2"')
  .superRefine((q, ctx) => {
    if (!CPU_FORMAT.test(q) || cpuToMillis(q) <= MAX_CPU * 1000) return;
    const millis = q.endsWith('m') ? '' : ` (did you mean "${q}m"?)`;
    ctx.addIssue({
      code: 'custom',
      message: `must be at most ${MAX_CPU} CPUs: no container of this platform uses more, and a larger number is usually millicores written without "m"`,
      params: { fix: `lower {field} to ${MAX_CPU} or less${millis}` },
    });
  });

/** A binary quantity ("512Mi") bounded by `max`; `why` says where the bound comes from. */
function binaryQuantity(what: string, max: string, why: string) {
  return z
    .string()
    .regex(BINARY_FORMAT, `must be a Kubernetes ${what} quantity with a binary unit, such as "512Mi" or "4Gi"`)
    .superRefine((q, ctx) => {
      if (!BINARY_FORMAT.test(q) || memoryToBytes(q) <= memoryToBytes(max)) return;
      const [, digits, unit] = /^(\d+)(\w+)$/.exec(q)!;
      const smaller = SMALLER_UNIT[unit] && memoryToBytes(`${digits}${SMALLER_UNIT[unit]}`) <= memoryToBytes(max) ? ` (did you mean "${digits}${SMALLER_UNIT[unit]}"?)` : '';
      ctx.addIssue({ code: 'custom', message: `must be at most ${max}: ${why}`, params: { fix: `lower {field} to ${max} or less${smaller}` } });
    });
}

/** Memory of one container. */
export const memoryQuantity = binaryQuantity('memory', '1Ti', 'no container of this platform can use more, and a larger value is almost always a unit slip (Ti for Gi)');
/**
 * Size of one volume (PersistentVolumeClaim or emptyDir). 64Ti is the largest volume Amazon EBS
 * creates ("Amazon EBS volume constraints", EBS user guide).
 */
export const storageQuantity = binaryQuantity('storage', '64Ti', 'the largest single volume the common block stores create (Amazon EBS: 64 TiB); a larger value is almost always a unit slip');
/**
 * Five cron fields (minute hour day-of-month month day-of-week) as the CronJob controller reads
 * them; no "@daily" macros and no seconds field, so a schedule reads the same everywhere.
 */
const cronField = '[0-9*][0-9*,/-]*|[A-Za-z]{3}([-,][A-Za-z]{3})*';
export const cronSchedule = z
  .string()
  .regex(new RegExp(`^(${cronField})( (${cronField})){4}$`), 'must be five cron fields such as "15 2 * * *" (minute hour day-of-month month day-of-week)');
export const seconds = z.number().int('must be a whole number of seconds').min(0, 'must be 0 or more seconds');
export const positiveInt = z.number().int('must be a whole number').min(1, 'must be at least 1');
/** Pods of one Deployment (or HPA bound). */
export const replicaCount = positiveInt.max(500, 'must be at most 500: far beyond what the 10,000-user reference (scale-10k) needs; a larger number is a typo, not a size');
export const percent = z.number().int('must be a whole number').min(1, 'must be between 1 and 100').max(100, 'must be between 1 and 100');
export const dnsLabel = z
  .string()
  .max(63, 'must be at most 63 characters')
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a DNS label: lower-case letters, digits and "-", starting and ending with a letter or digit');

/** Tags that follow a branch or a channel rather than naming a release: never a pinned image. */
export const MUTABLE_TAGS: ReadonlySet<string> = new Set(['latest', 'main', 'master', 'nightly', 'dev', 'edge', 'stable']);

/** Requests and limits of one container; `what` names it in the config reference. */
export function resourcesOf(what: string) {
  return z.strictObject({
    cpuRequest: cpuQuantity.describe(`CPU request of ${what} (Kubernetes quantity)`),
    cpuLimit: cpuQuantity.describe(`CPU limit of ${what}; must be >= cpuRequest`),
    memoryRequest: memoryQuantity.describe(`memory request of ${what} (binary units)`),
    memoryLimit: memoryQuantity.describe(`memory limit of ${what} (binary units); must be >= memoryRequest`),
  });
}

/** Requests and limits of one container, whichever schema described them. */
export type ResourcesConfig = z.infer<ReturnType<typeof resourcesOf>>;

export interface ImageText {
  /** Example in the repository error, e.g. "ghcr.io/acme/superset". */
  readonly repositoryExample?: string;
  /** Example in the tag error, e.g. "6.1.0-k8s.1". */
  readonly tagExample?: string;
  readonly repositoryDescription: string;
  readonly tagDescription: string;
  /**
   * The project publishes one tag per patch release (x.y.z) and also moving "x.y" or "x" tags:
   * a version-like tag must then name the patch release.
   */
  readonly patchReleases?: boolean;
}

// The grammar of an image reference (github.com/distribution/reference): an optional registry
// host[:port], lower-case path components, then an optional ":tag" and "@algorithm:hex" digest.
const DOMAIN = '(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*(?::\\d+)?/)';
const PATH_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const TAG = '[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}';
const DIGEST = 'sha256:[a-f0-9]{64}';
const REFERENCE = new RegExp(`^(${DOMAIN}?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*)(?::(${TAG}))?(?:@(${DIGEST}))?$`);
const TAG_FORMAT = new RegExp(`^${TAG}$`);

/** An image pinned by tag (and optionally digest); every image of the platform is configured this way. */
export function imageOf(text: ImageText) {
  const example = (e: string | undefined) => (e ? ` such as "${e}"` : '');
  const repository = z.string().superRefine((value, ctx) => {
    const m = REFERENCE.exec(value);
    if (!m) {
      ctx.addIssue({ code: 'custom', message: value === '' ? 'must not be empty' : `must be an image repository${example(text.repositoryExample)} (no tag)` });
      return;
    }
    const [, name, tag, digest] = m;
    if (!tag && !digest) return;
    // The tag and digest have fields of their own; in the repository they would be rendered twice.
    const parts = [tag && `a tag (":${tag}")`, digest && `a digest ("@${digest}")`].filter(Boolean).join(' or ');
    const moves = [tag && `"${tag}" to {parent}.tag`, digest && `"${digest}" to {parent}.digest`].filter(Boolean).join(' and ');
    ctx.addIssue({
      code: 'custom',
      message: `must not contain ${parts}: the image is rendered as repository:tag, so it would read "${value}:<tag>"`,
      params: { fix: `move ${moves} and set {field} to "${name}"` },
    });
  });
  const tag = z.string().regex(TAG_FORMAT, `must be a Docker tag${example(text.tagExample)}`).superRefine((value, ctx) => {
    if (!text.patchReleases || !TAG_FORMAT.test(value) || !/^v?\d/.test(value) || /^v?\d+\.\d+\.\d+/.test(value)) return;
    ctx.addIssue({
      code: 'custom',
      message: `must name a patch release${example(text.tagExample)}: the project publishes a tag per patch release, and "${value}" moves to each new one, so pods of one rollout could run different versions`,
      params: { fix: `set {field} to the full version of a release${example(text.tagExample)}` },
    });
  });
  return z.strictObject({
    repository: repository.describe(text.repositoryDescription),
    tag: tag.describe(text.tagDescription),
    digest: z.string().regex(new RegExp(`^${DIGEST}$`), 'must be "sha256:" followed by 64 hex digits').optional().describe('optional content digest; when set the image is pulled by digest'),
  });
}
