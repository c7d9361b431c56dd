import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface TestCerts {
  dir: string;
  /** The CA that signed the server certificate. */
  ca: string;
  /** A CA that signed nothing here. */
  otherCa: string;
  /** Server certificate for 127.0.0.1 and localhost, and its key. */
  cert: string;
  key: string;
  remove(): void;
}

/** A throw-away CA and server certificate, made with openssl in a temporary folder. */
export function makeTestCerts(): TestCerts {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mediconnect-certs-'));
  const file = (name: string) => path.join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'ignore' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  for (const name of ['ca', 'other-ca']) {
    openssl(
      'req',
      '-x509',
      ...ec,
      '-days',
      '2',
      '-subj',
      `/CN=MediConnect ${name}`,
      '-keyout',
      file(`${name}.key`),
      '-out',
      file(`${name}.pem`),
    );
  }
  openssl(
    'req',
    '-new',
    ...ec,
    '-subj',
    '/CN=localhost',
    '-keyout',
    file('server.key'),
    '-out',
    file('server.csr'),
  );
  fs.writeFileSync(
    file('server.ext'),
    'basicConstraints=critical,CA:FALSE\nextendedKeyUsage=serverAuth\n' +
      'subjectAltName=IP:127.0.0.1,DNS:localhost\n',
  );
  openssl(
    'x509',
    '-req',
    '-in',
    file('server.csr'),
    '-CA',
    file('ca.pem'),
    '-CAkey',
    file('ca.key'),
    '-CAcreateserial',
    '-days',
    '2',
    '-extfile',
    file('server.ext'),
    '-out',
    file('server.crt'),
  );
  fs.chmodSync(file('server.key'), 0o600);
  return {
    dir,
    ca: file('ca.pem'),
    otherCa: file('other-ca.pem'),
    cert: file('server.crt'),
    key: file('server.key'),
    remove: () => {
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
