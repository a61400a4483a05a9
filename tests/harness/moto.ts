import { freePort, startProcess, venvBin, type LocalService } from './process.js';

/** Start moto in server mode (STS and the SageMaker API) on 127.0.0.1. */
export async function startMoto(): Promise<LocalService> {
  const port = await freePort();
  return startProcess(venvBin('moto_server'), ['-H', '127.0.0.1', '-p', String(port)], port, '/moto-api/');
}
