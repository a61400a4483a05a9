// Prints one closing line, "total: N passed, N failed, N skipped", from pytest's JUnit XML and vitest's
// JSON report, so that a run of both suites ends with a single count.
import { existsSync, readFileSync } from 'node:fs';

const [junitPath, vitestPath] = process.argv.slice(2);
let passed = 0;
let failed = 0;
let skipped = 0;

if (junitPath && existsSync(junitPath)) {
  const xml = readFileSync(junitPath, 'utf8');
  const suite = /<testsuite\b[^>]*>/.exec(xml)?.[0] ?? '';
  const count = (name) => Number(new RegExp(`\\b${name}="(\\d+)"`).exec(suite)?.[1] ?? 0);
  const tests = count('tests');
  const pythonFailed = count('failures') + count('errors');
  const pythonSkipped = count('skipped');
  passed += tests - pythonFailed - pythonSkipped;
  failed += pythonFailed;
  skipped += pythonSkipped;
  console.log(`pytest: ${tests - pythonFailed - pythonSkipped} passed, ${pythonFailed} failed, ${pythonSkipped} skipped`);
} else {
  console.log('pytest: no report (the Python suite did not run)');
  failed += 1;
}

if (vitestPath && existsSync(vitestPath)) {
  const report = JSON.parse(readFileSync(vitestPath, 'utf8'));
  const vitestSkipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  passed += report.numPassedTests ?? 0;
  failed += report.numFailedTests ?? 0;
  skipped += vitestSkipped;
  console.log(`vitest: ${report.numPassedTests ?? 0} passed, ${report.numFailedTests ?? 0} failed, ${vitestSkipped} skipped`);
} else {
  console.log('vitest: no report (the TypeScript suite did not run)');
  failed += 1;
}

console.log(`total: ${passed} passed, ${failed} failed, ${skipped} skipped`);
