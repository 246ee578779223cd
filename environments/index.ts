import type { EnvironmentOverrides } from '../lib/config/platform-schema';
import dev from './dev';
import managed from './managed';
import prod from './prod';
import scale10k from './scale-10k';
import staging from './staging';

/** Every environment `npm run synth` knows, in synthesis order. Add new files here. */
export const ENVIRONMENTS: Readonly<Record<string, EnvironmentOverrides>> = {
  dev,
  staging,
  prod,
  'scale-10k': scale10k,
  managed,
};
