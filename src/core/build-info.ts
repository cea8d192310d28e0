// Rewritten by scripts/write-build-info.mjs at build time (npm run build, npm run build:binary).
export const BUILD_INFO = { version: '0.1.0', commit: 'unknown' };
