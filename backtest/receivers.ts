import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One webhook or task POST a backtest caught, by the receiver's path (`sms`, `push`, `chat`, `tasks`). */
export interface ReceivedPost {
  path: string;
  idempotencyKey: string;
  body: Record<string, unknown>;
}

export interface PostReceiver {
  port: number;
  /** Base URL; a channel's endpoint is `${url}/${channel}`. */
  url: string;
  /** Every distinct Idempotency-Key once, as a provider honouring the header would keep it. */
  received(): ReceivedPost[];
  close(): Promise<void>;
}

/**
 * The backtest's stand-in for SMS/push/chat providers and the task system: a local HTTP server
 * that accepts every signed POST, keeps it once per Idempotency-Key and answers 200. Profiles'
 * webhook URLs are pointed here, so a backtest never reaches a real provider.
 */
export async function startPostReceiver(): Promise<PostReceiver> {
  const posts = new Map<string, ReceivedPost>();
  const server = createServer((request, response) => void receive(request, response, posts));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    received: () => [...posts.values()],
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Keep-alive sockets of the worker's fetch would hold the server open.
        server.closeAllConnections();
      }),
  };
}

async function receive(
  request: IncomingMessage,
  response: ServerResponse,
  posts: Map<string, ReceivedPost>,
): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const key = request.headers['idempotency-key'];
  let body: unknown;
  try {
    body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    body = undefined;
  }
  if (request.method !== 'POST' || typeof key !== 'string' || typeof body !== 'object' || body === null) {
    response.writeHead(400).end();
    return;
  }
  const path = (request.url ?? '/').replace(/^\/+/, '').split('?')[0]!;
  if (!posts.has(key)) posts.set(key, { path, idempotencyKey: key, body: body as Record<string, unknown> });
  response.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
}
