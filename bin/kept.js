#!/usr/bin/env node
// `npx kept <command>`: runs the TypeScript CLI through tsx, so no build step is needed.
require('tsx/cjs');
require('../client/cli.ts');
