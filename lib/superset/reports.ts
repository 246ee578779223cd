import type { PlatformConfig } from '../config/platform-schema';
import type { SupersetConfig } from './schema';
import { reportsDelivered, screenshotsActive } from './rules';
import { SUPERSET_WEB } from './endpoints';
import { toPython } from './python';

// How reports and thumbnails reach the web tier and take screenshots (which queues do is in
// rules.ts). Superset 6.1 drives a browser with Selenium (a core dependency of apache-superset
// 6.1; Playwright is an extra behind the PLAYWRIGHT_REPORTS_AND_THUMBNAILS flag and downloads a
// browser of its own). The browser is Debian's Chromium and chromedriver in the "browser" stage
// of images/superset/Dockerfile, run only by the workers of the screenshot tasks, so web and the
// other queues stay lean.

/** Where Debian's chromium-driver package puts chromedriver (the browser image). */
export const CHROMEDRIVER = '/usr/bin/chromedriver';

/** Where the memory-backed /dev/shm of the browser workers is mounted. */
export const SHM_VOLUME = { name: 'dshm', mountPath: '/dev/shm' } as const;

/**
 * Chromium's command line in the workers. --no-sandbox: Chromium's sandbox needs user namespaces
 * or a setuid helper, which restricted Pod Security forbids; the pod is the sandbox (non-root, no
 * capabilities, read-only root, egress only to the web Service). The rest keeps Chromium from
 * calling Google's services (component updates, sync, metrics), which the NetworkPolicy drops and
 * which would otherwise stall the first page. Superset adds --window-size and
 * --force-device-scale-factor itself (WEBDRIVER_WINDOW).
 */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-extensions',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-default-apps',
  '--disable-sync',
  '--no-first-run',
  '--metrics-recording-only',
] as const;

/** The env var that tells the web-client workers (webClientQueues) where the web Service is. */
export const WEBDRIVER_BASEURL_ENV = 'WEBDRIVER_BASEURL';

/** Where the reports and screenshot workers reach Superset: the web Service. */
export const WEBDRIVER_BASEURL = `http://${SUPERSET_WEB.host}:${SUPERSET_WEB.port}/`;

/** The browser variant of superset.image the screenshot workers run. */
export function browserImage(s: SupersetConfig): string {
  const shot = s.reports.screenshots;
  return `${s.image.repository}:${shot.imageTag ?? `${s.image.tag}-chromium`}${shot.imageDigest ? `@${shot.imageDigest}` : ''}`;
}

/**
 * Where the reports workers reach Superset: CSV and text reports fetch chart data over HTTP and
 * screenshots load pages, both from WEBDRIVER_BASEURL (Superset's default, http://0.0.0.0:8080/,
 * reaches nothing in a pod). The web Service directly, not the ingress: no TLS to the public
 * host and back, and the flow stays inside the namespace. Links in mails use the public host.
 */
export function webdriverSection(config: PlatformConfig): string {
  const s = config.superset;
  if (!reportsDelivered(s.reports) && !s.thumbnails.enabled) return '';
  return `\n${webdriverSettings(config).join('\n')}\n`;
}

function webdriverSettings(config: PlatformConfig): string[] {
  const s = config.superset;
  const publicUrl = toPython(`https://${config.edge.host}/`);
  const lines = [
    '# Reports and thumbnails load chart data and pages from the web Service, which only their',
    '# workers reach: they get its URL in WEBDRIVER_BASEURL (their env). Links in mails use the',
    '# public host.',
    `WEBDRIVER_BASEURL = os.environ.get("${WEBDRIVER_BASEURL_ENV}", ${publicUrl})`,
    `WEBDRIVER_BASEURL_USER_FRIENDLY = ${publicUrl}`,
  ];
  if (!screenshotsActive(s)) return lines;
  const shot = s.reports.screenshots;
  return [
    ...lines,
    '# Screenshots: Selenium drives Debian\'s Chromium through chromedriver at a fixed path (so',
    '# Selenium Manager never tries to download a driver); in the browser image only.',
    'WEBDRIVER_TYPE = "chrome"',
    `WEBDRIVER_OPTION_ARGS = ${toPython([...CHROMIUM_ARGS])}`,
    `WEBDRIVER_CONFIGURATION = ${toPython({
      options: { capabilities: {}, preferences: {}, binary_location: '' },
      // Only the driver's path: Selenium's own defaults for the rest (a free port, no log file),
      // so the settings hold for every Selenium 4 that Superset 6.1 may pin.
      service: { executable_path: CHROMEDRIVER },
    })}`,
    `SCREENSHOT_LOCATE_WAIT = ${shot.locateWaitSeconds}`,
    `SCREENSHOT_LOAD_WAIT = ${shot.loadWaitSeconds}`,
  ];
}
