// Second step of `npm run relock --prefix tests/interop`, which rewrites package-lock.json after package.json changes.
// npm records each package's `funding` links, which name individual maintainers; they play no part in installing,
// so they are dropped to keep personal names out of the repository. Registry hosts are already left out by .npmrc.
import { readFileSync, writeFileSync } from 'node:fs';

const path = new URL('package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(path, 'utf8'));
for (const entry of Object.values(lock.packages)) delete entry.funding;
writeFileSync(path, `${JSON.stringify(lock, null, 2)}\n`);
