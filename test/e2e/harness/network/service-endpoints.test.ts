import { AddressPool } from './address-pool';
import { pod, service, stateOf } from './fixtures';
import { serviceViews } from './service-endpoints';
import { ServiceIpAllocator } from './service-ips';

const ips = new ServiceIpAllocator('10.96.0.0/16', ['10.96.0.1', '10.96.0.10']);
const views = (state: Parameters<typeof serviceViews>[0]) => serviceViews(state, (s) => ips.ipFor(s));

describe('Service endpoints', () => {
  const web = (name: string, port: number, opts = {}) => pod('app', name, { app: 'web' }, { ports: [{ name: 'http', containerPort: port }], ...opts });

  test('ready, non-terminating pods matching the selector, each on its own named target port', () => {
    const state = stateOf([
      [web('a', 8081), '10.244.1.1'], [web('b', 8082), '10.244.1.2'],
      [web('unready', 8083, { ready: false }), '10.244.1.3'], [web('leaving', 8084, { deleting: true }), '10.244.1.4'],
      [web('done', 8085, { phase: 'Succeeded' }), '10.244.1.5'], [pod('other', 'elsewhere', { app: 'web' }, { ports: [{ name: 'http', containerPort: 1 }] }), '10.244.1.6'],
      [pod('app', 'no-port', { app: 'web' }), '10.244.1.7'],
    ], { services: [service('app', 'web', { selector: { app: 'web' }, ports: [{ name: 'h', port: 80, targetPort: 'http' }] })] });
    const [v] = views(state);
    expect(v.ports[0].backends).toEqual([{ ip: '10.244.1.1', port: 8081, pod: 'app/a' }, { ip: '10.244.1.2', port: 8082, pod: 'app/b' }]);
    expect(v.clusterIp).toMatch(/^10\.96\./);
  });

  test('publishNotReadyAddresses includes unready and terminating pods; headless has no ClusterIP and names hostnames', () => {
    const state = stateOf([
      [pod('app', 'db-0', { app: 'db' }, { hostname: 'db-0', subdomain: 'db', ready: false }), '10.244.1.1'],
      [pod('app', 'db-1', { app: 'db' }, { hostname: 'db-1', subdomain: 'elsewhere', deleting: true }), '10.244.1.2'],
    ], { services: [service('app', 'db', { clusterIP: 'None', publishNotReadyAddresses: true, selector: { app: 'db' }, ports: [{ port: 5432 }] })] });
    const [v] = views(state);
    expect(v.clusterIp).toBeUndefined();
    expect(v.ports[0].backends.map((b) => `${b.ip}:${b.port}`)).toEqual(['10.244.1.1:5432', '10.244.1.2:5432']);
    expect(v.addresses).toEqual([{ ip: '10.244.1.1', pod: 'app/db-0', hostname: 'db-0' }, { ip: '10.244.1.2', pod: 'app/db-1', hostname: undefined }]);
  });

  test('a selector-less Service takes its backends from the Endpoints object, port matched by name', () => {
    const state = stateOf([], {
      services: [service('default', 'kubernetes', { clusterIP: '10.96.0.1', ports: [{ name: 'https', port: 443, targetPort: 6443 }] })],
      endpoints: [{ apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'kubernetes', namespace: 'default' }, subsets: [{ addresses: [{ ip: '10.244.0.1' }], ports: [{ name: 'https', port: 6443 }] }] }],
    });
    expect(views(state)[0]).toMatchObject({ clusterIp: '10.96.0.1', ports: [{ port: 443, backends: [{ ip: '10.244.0.1', port: 6443 }] }] });
  });
});

describe('addresses', () => {
  test('ClusterIPs: the requested one, or a stable one derived from the name, never a reserved or taken one', () => {
    const alloc = new ServiceIpAllocator('10.96.0.0/16', ['10.96.0.1']);
    const s = service('app', 'web', {});
    const first = alloc.ipFor(s);
    expect(new ServiceIpAllocator('10.96.0.0/16').ipFor(s)).toBe(first);
    expect(alloc.ipFor(service('kube-system', 'kube-dns', { clusterIP: '10.96.0.10' }))).toBe('10.96.0.10');
    expect(() => alloc.ipFor(service('app', 'x', { clusterIP: '10.97.0.1' }))).toThrow('Service app/x: spec.clusterIP 10.97.0.1 is not in the service range 10.96.0.0/16');
  });

  test('the pod pool never hands out an address twice and skips .0, .255 and reserved ones', () => {
    const pool = new AddressPool('10.244.0.0/16', '10.244.1.253', new Set(['10.244.2.1']));
    expect([pool.allocate(), pool.allocate(), pool.allocate()]).toEqual(['10.244.1.253', '10.244.1.254', '10.244.2.2']);
    const tiny = new AddressPool('172.31.0.0/30', '172.31.0.1');
    expect([tiny.allocate(), tiny.allocate()]).toEqual(['172.31.0.1', '172.31.0.2']);
    expect(() => tiny.allocate()).toThrow('address range 172.31.0.0/30 is exhausted');
  });
});
