import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A server process that a test started on 127.0.0.1. */
export interface LocalService {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/**
 * Return the path of a program in the virtual environment of the Python test services (moto, MLflow) and
 * the step code's packages. `scripts/python-env.sh` creates it and exports its path as SEP_VENV.
 */
export function venvBin(name: string): string {
  const venv = process.env.SEP_VENV;
  if (!venv) {
    throw new Error('SEP_VENV is not set: run the tests with `npm test`, which creates the Python environment first');
  }
  return join(venv, 'bin', name);
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('no port was assigned'));
      });
    });
  });
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `${prefix}-`));
}

/** Poll `url` until it responds with a status below 500, or fail after `timeoutMs`. */
export async function waitForHttp(url: string, child: ChildProcess, output: () => string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`server process exited with code ${child.exitCode} before ${url} answered:\n${output()}`);
    }
    try {
      const response = await fetch(url);
      if (response.status < 500) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${url}:\n${output()}`);
}

/** Start a server process and wait until `readyPath` responds. Its output is kept for error messages. */
export async function startProcess(
  command: string,
  args: string[],
  port: number,
  readyPath: string,
  env: NodeJS.ProcessEnv = {},
): Promise<LocalService> {
  const child = spawn(command, args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  const keep = (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);

  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}${readyPath}`, child, () => log);

  return {
    url,
    port,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
