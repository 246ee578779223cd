import { defineEnvironment } from './define';

/** Pre-production: the documented defaults, with prod's feature set so upgrades are tested as run. */
export default defineEnvironment({
  monitoring: { enabled: true },
  superset: {
    asyncQueries: { enabled: true },
  },
  // As in prod: TLS inside the database tier (docs/database.md, "Encryption in transit").
  postgres: { tls: { enabled: true } },
});
