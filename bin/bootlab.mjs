#!/usr/bin/env node
// Runs the TypeScript sources directly (through tsx), so the same files serve Node, Deno and the tests.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../cli/main.ts');
await main(process.argv);
