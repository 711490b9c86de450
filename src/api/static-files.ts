/**
 * The web dashboard's files (built into dist/web by `make build`), served beside the Connect
 * handlers on the daemon's HTTP port: GET and HEAD of anything but an RPC path are files, `/` is
 * index.html. The files hold no data and need no token; everything they show comes through the
 * API, with the caller's token and role.
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream';

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

/** RPC paths (`/daq.v1.ControlService/StartRun`, `/grpc.health.v1.Health/Check`) go to the API. */
const RPC_PATH = /^\/[\w.]+\.[A-Z]\w*\/\w+$/;

/** `api` with the files of `dir` served for GET and HEAD requests that are not RPCs. */
export function withDashboard(dir: string, api: RequestListener): RequestListener {
  const root = resolve(dir);
  return (request, response) => {
    const path = (request.url ?? '/').split('?')[0] ?? '/';
    if ((request.method === 'GET' || request.method === 'HEAD') && !RPC_PATH.test(path)) serveFile(root, path, request, response);
    else api(request, response);
  };
}

function serveFile(root: string, urlPath: string, request: IncomingMessage, response: ServerResponse): void {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return void reply(response, 400, 'bad path');
  }
  const file = resolve(join(root, normalize(decoded === '/' ? '/index.html' : decoded)));
  if (file !== root && !file.startsWith(`${root}${sep}`)) return void reply(response, 404, 'not found');
  let size: number;
  try {
    const stat = statSync(file);
    if (!stat.isFile()) throw new Error('not a file');
    size = stat.size;
  } catch {
    if (!existsSync(join(root, 'index.html'))) return void reply(response, 404, `the dashboard is not built (no ${root}/index.html): run make build`);
    return void reply(response, 404, 'not found');
  }
  response.writeHead(200, {
    'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
    'content-length': size,
    // index.html names the bundle; a rebuilt daemon must not serve a stale page from a cache.
    'cache-control': 'no-cache',
    'x-content-type-options': 'nosniff',
  });
  if (request.method === 'HEAD') return void response.end();
  // A file removed or unreadable after the stat (make build rewriting dist/web) ends this response, never the daemon.
  pipeline(createReadStream(file), response, () => undefined);
}

function reply(response: ServerResponse, status: number, text: string): void {
  response.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
  response.end(`${text}\n`);
}
