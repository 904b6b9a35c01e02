/**
 * Build step (`npm run build`): write the policy validators as code next to the compiled
 * policy-validators.js, so that an audit does not compile them at start-up.
 */
import { writeFileSync, renameSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { GENERATED_FILE, generatedModule, readPolicySchema } from './policy-validators.js';

const out = path.join(path.dirname(fileURLToPath(import.meta.url)), GENERATED_FILE);
const tmp = `${out}.${process.pid}.tmp`;
writeFileSync(tmp, await generatedModule(readPolicySchema()), { mode: 0o644 });
renameSync(tmp, out);
