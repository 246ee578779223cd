import { EMPTY_SHA256, sigv4Signature } from './s3-stand-in';

// The S3 stand-in judges the scripts' requests, so its own signature code is checked first against
// the worked example of AWS's documentation ("Signature Calculations for the Authorization Header:
// Transferring Payload in a Single Chunk", GET Object).

describe('S3 stand-in: SigV4 verification', () => {
  const example = {
    method: 'GET',
    path: '/test.txt',
    query: '',
    headers: { host: 'examplebucket.s3.amazonaws.com', range: 'bytes=0-9', 'x-amz-content-sha256': EMPTY_SHA256, 'x-amz-date': '20130524T000000Z' },
    signedHeaders: ['host', 'range', 'x-amz-content-sha256', 'x-amz-date'],
    payloadHash: EMPTY_SHA256,
    amzDate: '20130524T000000Z',
    region: 'us-east-1',
    secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  };

  test('computes the signature of AWS\'s documented example', () => {
    expect(sigv4Signature(example)).toBe('f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41');
  });

  test('any change to what is signed changes the signature', () => {
    const good = sigv4Signature(example);
    expect(sigv4Signature({ ...example, path: '/test.txt2' })).not.toBe(good);
    expect(sigv4Signature({ ...example, query: 'list-type=2' })).not.toBe(good);
    expect(sigv4Signature({ ...example, secretAccessKey: 'other' })).not.toBe(good);
    expect(sigv4Signature({ ...example, headers: { ...example.headers, range: 'bytes=0-10' } })).not.toBe(good);
  });

  test('query parameters are canonicalized: sorted, RFC 3986-encoded', () => {
    const a = sigv4Signature({ ...example, query: 'prefix=a%2Fb&list-type=2' });
    expect(sigv4Signature({ ...example, query: 'list-type=2&prefix=a%2Fb' })).toBe(a);
    expect(sigv4Signature({ ...example, query: 'list-type=2&prefix=a/b' })).toBe(a);
  });
});
