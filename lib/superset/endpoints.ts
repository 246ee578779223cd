// The names and ports other components connect to: the ingress, the Gateway route, the flows.

/** Superset web Service. */
export const SUPERSET_WEB = { host: 'superset-web', port: 8088 } as const;

/** Celery Flower's Service (superset.flower). */
export const SUPERSET_FLOWER = { host: 'superset-flower', port: 5555 } as const;

/**
 * The websocket server's Service (superset.asyncQueries.transport "ws"), and the path the edge
 * routes to it: Superset reserves /ws for it (the server itself answers on any path).
 */
export const SUPERSET_WEBSOCKET = { host: 'superset-websocket', port: 8080, path: '/ws' } as const;
