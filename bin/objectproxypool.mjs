#!/usr/bin/env node
// `npx objectproxypool host --servers nats://HOST:PORT --module ./model.js`: serve instances to remote pools.
import { main } from '../dist/remote/cli.js';

process.exitCode = await main(process.argv.slice(2));
process.exit();
