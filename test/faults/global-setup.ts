import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';

/** The scenarios run the built service as real processes. */
export default function globalSetup(): void {
  execFileSync('npx', ['nest', 'build'], { cwd: resolve(__dirname, '../..'), stdio: 'inherit' });
}
