// Service names and ports inside an environment's namespace. Every component that connects to
// another reads the address from here, so a rename cannot leave a dangling reference.

/** Superset web Service. */
export const SUPERSET_WEB = { host: 'superset-web', port: 8088 } as const;
