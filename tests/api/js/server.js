// Starts `sinan serve` on a free port for a test file and stops it afterwards.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const root = path.resolve(here, '../../..');
export const binary = process.env.SINAN_BINARY || path.join(root, 'build/apps/sinan');

// Resolves to { url, baseURL, stop(), log() } once the server prints the address it listens on.
export function startServer(args = []) {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, ['serve', '--port', '0', '--threads', '2', ...args], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let log = '';
    const timer = setTimeout(() => reject(new Error(`sinan serve did not start:\n${log}`)), 60000);
    child.stderr.on('data', (data) => {
      log += data.toString();
      const match = log.match(/listening on (http:\/\/\S+)/);
      if (match && timer) {
        clearTimeout(timer);
        resolve({
          url: match[1],
          baseURL: `${match[1]}/v1`,
          log: () => log,
          stop: () =>
            new Promise((done) => {
              child.once('exit', (code, signal) => done({ code, signal }));
              child.kill('SIGTERM');
            }),
        });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`sinan serve exited with ${code}:\n${log}`));
    });
  });
}

export async function metrics(url) {
  const text = await (await fetch(`${url}/metrics`)).text();
  const values = {};
  for (const line of text.split('\n')) {
    const m = line.match(/^([a-z_]+(?:\{[^}]*\})?) (\S+)$/);
    if (m) values[m[1]] = Number(m[2]);
  }
  return values;
}
