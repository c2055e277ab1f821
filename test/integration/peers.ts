import { accessSync, constants } from 'node:fs';

/** A program that a test runs as a real peer, and where to find it. */
export interface Peer {
  /** What it is called in messages. */
  name: string;
  /** An environment variable that may name the binary. */
  env: string;
  /** Where the Debian package puts it, and other usual places. */
  paths: readonly string[];
  /** The Debian package that holds it (.ci/run installs it). */
  debianPackage: string;
}

/** The peer's binary; the test fails (never skips) without one, saying how to get it. */
export function peerBinary(peer: Peer): string {
  const candidates = [process.env[peer.env], ...peer.paths].filter((p): p is string => !!p);
  for (const p of candidates) {
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // try the next one
    }
  }
  const how = process.env.CI
    ? `CI must install it: .ci/run installs the Debian package ${peer.debianPackage}`
    : `install it with \`apt-get install -y ${peer.debianPackage}\` (Debian/Ubuntu), or set ${peer.env} to its binary`;
  throw new Error(`${peer.name} not found (looked at ${candidates.join(', ')}): ${how}`);
}

export const NODE_EXPORTER: Peer = {
  name: 'node_exporter',
  env: 'NODE_EXPORTER_BIN',
  paths: [
    '/usr/bin/prometheus-node-exporter',
    '/usr/local/bin/node_exporter',
    '/usr/bin/node_exporter',
  ],
  debianPackage: 'prometheus-node-exporter',
};

/** Prometheus' own checker of the text exposition format. */
export const PROMTOOL: Peer = {
  name: 'promtool',
  env: 'PROMTOOL_BIN',
  paths: ['/usr/bin/promtool', '/usr/local/bin/promtool'],
  debianPackage: 'prometheus',
};
