/** How a Secret value is generated: the README text and the bytes `npm run secrets` draws. */
export const randomBase64 = (bytes: number) => ({ generate: `openssl rand -base64 ${bytes}`, random: { bytes, encoding: 'base64' as const } });
export const randomHex = (bytes: number) => ({ generate: `openssl rand -hex ${bytes}`, random: { bytes, encoding: 'hex' as const } });
