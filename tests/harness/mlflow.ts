import { join } from 'node:path';
import { freePort, startProcess, tempDir, venvBin, type LocalService } from './process.js';

/** Start a real `mlflow server` with a SQLite backend store and a local artifact root on 127.0.0.1. */
export async function startMlflow(): Promise<LocalService & { directory: string }> {
  const directory = tempDir('mlflow');
  const port = await freePort();
  const service = await startProcess(
    venvBin('mlflow'),
    [
      'server',
      '--host', '127.0.0.1',
      '--port', String(port),
      '--backend-store-uri', `sqlite:///${join(directory, 'mlflow.db')}`,
      '--default-artifact-root', join(directory, 'artifacts'),
      '--workers', '1',
    ],
    port,
    '/health',
  );
  return { ...service, directory };
}
