#!/usr/bin/env node
// Entry for the npm-installed CLI; the single binary bundles the same src/frontends/cli/main.ts.
import { main } from '../dist/js/frontends/cli/main.js';

main(process.argv).then((code) => {
  process.exitCode = code;
});
