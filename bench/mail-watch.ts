import { startCaptureServer, type CaptureServer } from '../mail/capture-server';

/**
 * The real SMTP capture server, with a way to wait for the moment a message to an address is
 * accepted: the end of "event → email accepted".
 */
export interface MailWatch {
  port: number;
  /** Resolves with the instant (ms) a message to `address` is stored and about to be accepted. */
  acceptedFor(address: string, timeoutMs: number): Promise<number>;
  close(): Promise<void>;
}

export async function startMailWatch(directory: string): Promise<MailWatch> {
  const waiting = new Map<string, (at: number) => void>();
  const server: CaptureServer = await startCaptureServer({
    port: 0,
    host: '127.0.0.1',
    directory,
    afterStore: (mail) => {
      const at = Date.now();
      for (const address of mail.envelope.to) waiting.get(address.toLowerCase())?.(at);
    },
  });
  return {
    port: server.port,
    acceptedFor(address, timeoutMs) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no mail to ${address} in ${timeoutMs} ms`)), timeoutMs);
        waiting.set(address.toLowerCase(), (at) => {
          clearTimeout(timer);
          waiting.delete(address.toLowerCase());
          resolve(at);
        });
      });
    },
    close: () => server.close(),
  };
}
