#!/usr/bin/env node
import { main } from '../dist/cli.js';

// `serve` returns once listening and keeps the process alive; other commands end here.
process.exitCode = await main(process.argv);
