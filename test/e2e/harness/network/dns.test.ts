import * as dnsPacket from 'dns-packet';
import { answerQuery } from './dns-responder';
import { dnsRecords } from './dns-records';

const records = dnsRecords([
  { namespace: 'app', name: 'web', clusterIp: '10.96.5.5', ports: [], addresses: [] },
  { namespace: 'app', name: 'db', ports: [], addresses: [{ ip: '10.244.1.2', pod: 'app/db-1', hostname: 'db-1' }, { ip: '10.244.1.1', pod: 'app/db-0', hostname: 'db-0' }] },
  { namespace: 'app', name: 'lonely', ports: [], addresses: [] },
], [{ name: 's3', ip: '172.31.0.2', netns: 'x', hostnames: ['S3.example.com'] }], 'cluster.local');

const ask = (name: string, type: dnsPacket.RecordType = 'A') => {
  const reply = answerQuery(dnsPacket.encode({ type: 'query', id: 7, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type, name }] }), records, 'cluster.local')!;
  // dns-packet decodes the rcode name, which its type declarations leave out.
  return dnsPacket.decode(reply) as dnsPacket.DecodedPacket & { rcode: string };
};

describe('DNS records', () => {
  test('ClusterIP, headless endpoints, per-pod hostnames, externals; names lower-cased', () => {
    expect(records).toEqual({
      'web.app.svc.cluster.local': ['10.96.5.5'],
      'db.app.svc.cluster.local': ['10.244.1.1', '10.244.1.2'],
      'db-0.db.app.svc.cluster.local': ['10.244.1.1'],
      'db-1.db.app.svc.cluster.local': ['10.244.1.2'],
      'lonely.app.svc.cluster.local': [],
      's3.example.com': ['172.31.0.2'],
    });
  });
});

describe('DNS answers', () => {
  test('A of a known name: its addresses, authoritative, same id, TTL 5', () => {
    const r = ask('DB.app.svc.cluster.local.');
    expect(r).toMatchObject({ id: 7, rcode: 'NOERROR', flag_aa: true, flag_rd: true });
    expect(r.answers!.map((a) => [a.type, (a as dnsPacket.StringAnswer).data, (a as dnsPacket.StringAnswer).ttl])).toEqual([['A', '10.244.1.1', 5], ['A', '10.244.1.2', 5]]);
  });

  test('AAAA (or any other type) of a known name, and a name with no address: NOERROR, no answer, the zone SOA', () => {
    for (const r of [ask('web.app.svc.cluster.local', 'AAAA'), ask('web.app.svc.cluster.local', 'TXT'), ask('lonely.app.svc.cluster.local')]) {
      expect(r.rcode).toBe('NOERROR');
      expect(r.answers).toEqual([]);
      expect(r.authorities!.map((a) => [a.type, a.name])).toEqual([['SOA', 'cluster.local']]);
    }
  });

  test('a parent of known names exists (NODATA), anything else is NXDOMAIN: there is no upstream', () => {
    expect(ask('app.svc.cluster.local').rcode).toBe('NOERROR');
    expect(ask('nope.app.svc.cluster.local').rcode).toBe('NXDOMAIN');
    expect(ask('web.app.svc.cluster.local.app.svc.cluster.local').rcode).toBe('NXDOMAIN');
    const outside = ask('www.example.org');
    expect(outside.rcode).toBe('NXDOMAIN');
    expect(outside.authorities![0].name).toBe('example.org');
  });

  test('garbage gets no answer', () => {
    expect(answerQuery(Buffer.from('nonsense'), records, 'cluster.local')).toBeUndefined();
  });
});
