/**
 * Test certificates for the local MQTT broker, made with @peculiar/x509 (pure JS over node's
 * WebCrypto): a CA, a server certificate for 127.0.0.1 / localhost and a client certificate,
 * all ECDSA P-256, written as PEM into a folder. Certificates already in the folder are
 * reused while they are valid for at least another day and chain to the CA there.
 */
import { webcrypto } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import './reflect-polyfill';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as never);

export interface CertFiles {
  readonly dir: string;
  readonly caFile: string;
  readonly caKeyFile: string;
  readonly serverCertFile: string;
  readonly serverKeyFile: string;
  readonly clientCertFile: string;
  readonly clientKeyFile: string;
  /** Common name in the client certificate (the MQTT identity). */
  readonly clientCommonName: string;
}

export interface CertOptions {
  /** Client certificate CN. Default `tributary-publisher`. */
  readonly clientCommonName?: string;
  /** Validity in days. Default 30. */
  readonly days?: number;
}

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY_MS = 86_400_000;

export function certFilesIn(dir: string, clientCommonName = 'tributary-publisher'): CertFiles {
  return {
    dir,
    caFile: path.join(dir, 'ca.crt'),
    caKeyFile: path.join(dir, 'ca.key'),
    serverCertFile: path.join(dir, 'server.crt'),
    serverKeyFile: path.join(dir, 'server.key'),
    clientCertFile: path.join(dir, 'client.crt'),
    clientKeyFile: path.join(dir, 'client.key'),
    clientCommonName,
  };
}

function serial(): string {
  // Positive, 16 random bytes.
  const b = webcrypto.getRandomValues(new Uint8Array(16));
  b[0] &= 0x7f;
  b[0] |= 0x01;
  return Buffer.from(b).toString('hex');
}

async function keyPem(key: webcrypto.CryptoKey): Promise<string> {
  const der = await webcrypto.subtle.exportKey('pkcs8', key);
  return x509.PemConverter.encode(der, 'PRIVATE KEY');
}

/** Valid for at least another day, chained to the CA, with the expected client CN. */
async function reusable(files: CertFiles): Promise<boolean> {
  try {
    const read = (f: string): string => fs.readFileSync(f, 'utf8');
    for (const f of [files.caKeyFile, files.serverKeyFile, files.clientKeyFile]) read(f);
    const ca = new x509.X509Certificate(read(files.caFile));
    const server = new x509.X509Certificate(read(files.serverCertFile));
    const client = new x509.X509Certificate(read(files.clientCertFile));
    const until = new Date(Date.now() + DAY_MS);
    for (const c of [ca, server, client]) {
      if (c.notAfter < until || c.notBefore > new Date()) return false;
    }
    if (!client.subject.includes(`CN=${files.clientCommonName}`)) return false;
    const caKey = await ca.publicKey.export(ALG, ['verify']);
    return (await server.verify({ publicKey: caKey, signatureOnly: true })) && (await client.verify({ publicKey: caKey, signatureOnly: true }));
  } catch {
    return false;
  }
}

/** Makes (or reuses) the CA, server and client certificates in `dir`. */
export async function ensureCertificates(dir: string, options: CertOptions = {}): Promise<CertFiles> {
  const files = certFilesIn(dir, options.clientCommonName);
  if (await reusable(files)) return files;
  fs.mkdirSync(dir, { recursive: true });
  const days = options.days ?? 30;
  const notBefore = new Date(Date.now() - 60_000);
  const notAfter = new Date(Date.now() + days * DAY_MS);
  const gen = (): Promise<webcrypto.CryptoKeyPair> => webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']) as Promise<webcrypto.CryptoKeyPair>;

  const caKeys = await gen();
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: 'CN=Tributary Local Test CA',
    notBefore,
    notAfter,
    keys: caKeys as never,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey as never),
    ],
  });

  const leaf = async (cn: string, usage: 'server' | 'client'): Promise<{ cert: x509.X509Certificate; key: webcrypto.CryptoKey }> => {
    const keys = await gen();
    const extensions: x509.Extension[] = [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyAgreement, true),
      new x509.ExtendedKeyUsageExtension([usage === 'server' ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth]),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey as never),
      await x509.AuthorityKeyIdentifierExtension.create(ca),
    ];
    if (usage === 'server') {
      extensions.push(
        new x509.SubjectAlternativeNameExtension([
          { type: 'dns', value: 'localhost' },
          { type: 'ip', value: '127.0.0.1' },
        ]),
      );
    }
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: serial(),
      subject: `CN=${cn}`,
      issuer: ca.subject,
      notBefore,
      notAfter,
      publicKey: keys.publicKey as never,
      signingKey: caKeys.privateKey as never,
      signingAlgorithm: ALG,
      extensions,
    });
    return { cert, key: keys.privateKey };
  };

  const server = await leaf('localhost', 'server');
  const client = await leaf(files.clientCommonName, 'client');
  const write = (file: string, text: string, mode: number): void => {
    const tmp = `${file}.tmp-${process.pid}`;
    fs.writeFileSync(tmp, text, { mode });
    fs.renameSync(tmp, file);
  };
  write(files.caKeyFile, await keyPem(caKeys.privateKey), 0o600);
  write(files.serverKeyFile, await keyPem(server.key), 0o600);
  write(files.clientKeyFile, await keyPem(client.key), 0o600);
  write(files.caFile, ca.toString('pem') + '\n', 0o644);
  write(files.serverCertFile, server.cert.toString('pem') + '\n', 0o644);
  write(files.clientCertFile, client.cert.toString('pem') + '\n', 0o644);
  return files;
}
