import { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { rewriteConf, Servers, waitFor } from './servers';

// redis-cache nodes on 127.0.0.1, each started by cache-start.sh from the ConfigMap's files.

export interface CacheNode {
  readonly index: number;
  readonly dir: string;
  port: number;
  server?: ChildProcess;
}

/** One line of CLUSTER NODES. */
export interface ClusterNodeView {
  readonly id: string;
  readonly address: string;
  readonly port: number;
  readonly flags: string;
  readonly master: string;
  readonly epoch: string;
  readonly slots: string[];
}

export class CacheCluster {
  readonly scripts: string;
  readonly nodes: CacheNode[];

  /**
   * @param data the redis-cache ConfigMap's data (redis.conf and the scripts)
   * @param count how many nodes
   * @param settings redis.conf lines to change besides bind/port/dir (only the timeout sweep does)
   */
  constructor(private readonly servers: Servers, private readonly data: Record<string, string>, count: number, name = 'cache', private readonly settings: Record<string, string> = {}) {
    this.scripts = servers.materialize(`${name}-scripts`, data);
    this.nodes = Array.from({ length: count }, (_, index) => ({ index, dir: path.join(servers.root, `${name}-node-${index}`), port: 0 }));
  }

  script(name: string): string {
    return path.join(this.scripts, name);
  }

  addresses(): string[] {
    return this.nodes.map((n) => `127.0.0.1:${n.port}`);
  }

  /** Picks a new free port (and bus port) for every node: "new addresses". */
  async assignPorts(): Promise<void> {
    for (const n of this.nodes) n.port = await this.servers.freePort(true);
  }

  async startNode(n: CacheNode): Promise<void> {
    fs.mkdirSync(n.dir, { recursive: true });
    // Only addresses, ports and paths change; every other line is the ConfigMap's.
    const conf = rewriteConf(this.data['redis.conf'], { bind: '127.0.0.1', port: String(n.port), dir: n.dir, ...this.settings });
    fs.writeFileSync(path.join(n.dir, 'redis.conf'), conf);
    n.server = this.servers.start(this.script('cache-start.sh'), {
      REDIS_CONF: path.join(n.dir, 'redis.conf'),
      RUN_DIR: path.join(n.dir, 'run'),
      POD_IP: '127.0.0.1',
      ANNOUNCE_HOSTNAME: `redis-cache-${n.index}.test`,
    }, path.join(n.dir, 'server.log'));
    await waitFor(`node ${n.index} to answer`, async () => (await this.servers.cli(n.port, 'PING')) === 'PONG', 20000);
  }

  async startAll(): Promise<void> {
    await Promise.all(this.nodes.map((n) => this.startNode(n)));
  }

  create(replicasPerShard: number): Promise<{ code: number; output: string }> {
    return this.servers.script(this.script('cluster-create.sh'), [String(replicasPerShard), ...this.addresses()]);
  }

  async view(port = this.nodes[0].port): Promise<ClusterNodeView[]> {
    return (await this.servers.cli(port, 'CLUSTER', 'NODES')).split('\n').filter(Boolean).map((line) => {
      const f = line.split(' ');
      const address = f[1].split('@')[0];
      return { id: f[0], address, port: Number(address.split(':')[1]), flags: f[2], master: f[3], epoch: f[6], slots: f.slice(8) };
    });
  }

  /** Healthy primaries that own slots, as node 0 (or `port`) sees them. */
  async primaries(port = this.nodes[0].port): Promise<ClusterNodeView[]> {
    return (await this.view(port)).filter((n) => n.flags.includes('master') && n.slots.length > 0 && !n.flags.includes('fail'));
  }

  node(port: number): CacheNode {
    return this.nodes.find((n) => n.port === port)!;
  }

  async ready(n: CacheNode): Promise<boolean> {
    return (await this.servers.script(this.script('cache-ready.sh'), [], { REDIS_PORT: String(n.port) })).code === 0;
  }

  async allReady(): Promise<boolean> {
    return (await Promise.all(this.nodes.map((n) => this.ready(n)))).every(Boolean);
  }

  /** load_client.py arguments: one writer per primary, named by its port. */
  async shardArgs(): Promise<string[]> {
    return (await this.primaries()).flatMap((p) => ['--shard', `${p.port}=${p.slots.join(',')}`]);
  }

  async role(port: number): Promise<string> {
    return (await this.servers.cli(port, 'ROLE')).split('\n')[0];
  }
}
