#!/usr/bin/env node
'use strict';
// The `tributary` command runs the compiled CLI (`npm run build`; `npm ci` builds it through `prepare`).
require('../dist/local/cli/run.js');
