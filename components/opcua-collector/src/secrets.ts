/**
 * Where the user name and password for a UserName identity come from: under Greengrass the
 * `aws.greengrass.SecretManager` component over IPC (GetSecretValue), locally a JSON file. The
 * secret holds `{"username": "...", "password": "..."}` (SiteWise Edge's format; `userName` is
 * accepted too). The password never reaches a log line or the health snapshot.
 */
import { promises as fs } from 'node:fs';
import { TributaryError, errorMessage } from '../../core/src';

export interface UserCredentials {
  userName: string;
  password: string;
}

/** The narrow interface the collector uses (tests pass a fake). */
export interface CredentialSource {
  /** Where the credentials come from, for logs (never the secret itself). */
  readonly description: string;
  get(): Promise<UserCredentials>;
}

export const SecretErrorCode = { Unavailable: 'opcua_secret_unavailable', Invalid: 'opcua_secret_invalid' } as const;

/** Parses the secret string; throws a TributaryError naming `where` (not the content) when it is not usable. */
export function parseCredentials(text: string, where: string): UserCredentials {
  let j: unknown;
  try {
    j = JSON.parse(text);
  } catch {
    throw new TributaryError(SecretErrorCode.Invalid, `The secret ${where} is not JSON {"username","password"}.`, { retryable: false });
  }
  const o = (j ?? {}) as Record<string, unknown>;
  const userName = o.username ?? o.userName;
  if (typeof userName !== 'string' || userName.length === 0 || typeof o.password !== 'string') {
    throw new TributaryError(SecretErrorCode.Invalid, `The secret ${where} needs string fields "username" and "password".`, { retryable: false });
  }
  return { userName, password: o.password };
}

export class FileCredentialSource implements CredentialSource {
  readonly description: string;
  constructor(private readonly file: string) {
    this.description = `file ${file}`;
  }

  async get(): Promise<UserCredentials> {
    let text: string;
    try {
      text = await fs.readFile(this.file, 'utf8');
    } catch (err) {
      throw new TributaryError(SecretErrorCode.Unavailable, `The secret file ${this.file} cannot be read: ${errorMessage(err)}`, { cause: err, retryable: true });
    }
    return parseCredentials(text, `file ${this.file}`);
  }
}

/** The subset of the `greengrasscoreipc` client used here. */
export interface SecretIpcClient {
  getSecretValue(request: { secretId: string }): Promise<{ secretValue?: { secretString?: string } }>;
  close(): Promise<void>;
}

/** Connects the real IPC client (loaded lazily, so nothing native loads off-device). */
export async function connectSecretIpc(): Promise<SecretIpcClient> {
  const { greengrasscoreipc } = await import('aws-iot-device-sdk-v2');
  const client = greengrasscoreipc.createClient();
  await client.connect();
  return client as unknown as SecretIpcClient;
}

/**
 * GetSecretValue from aws.greengrass.SecretManager. The recipe must declare the dependency and an
 * accessControl policy for `aws.greengrass.SecretManager` / `aws.greengrass#GetSecretValue` on the secret.
 */
export class GreengrassCredentialSource implements CredentialSource {
  readonly description: string;
  constructor(
    private readonly secretId: string,
    private readonly connect: () => Promise<SecretIpcClient> = connectSecretIpc,
  ) {
    this.description = `Greengrass secret ${secretId}`;
  }

  async get(): Promise<UserCredentials> {
    let client: SecretIpcClient | undefined;
    try {
      client = await this.connect();
      const r = await client.getSecretValue({ secretId: this.secretId });
      const text = r.secretValue?.secretString;
      if (text === undefined) throw new TributaryError(SecretErrorCode.Invalid, `The secret ${this.secretId} has no string value.`, { retryable: false });
      return parseCredentials(text, this.secretId);
    } catch (err) {
      if (err instanceof TributaryError) throw err;
      throw new TributaryError(SecretErrorCode.Unavailable, `GetSecretValue ${this.secretId} failed: ${errorMessage(err)}`, { cause: err, retryable: true });
    } finally {
      await client?.close().catch(() => undefined);
    }
  }
}

/** The credential source a configuration names: Greengrass secret when running under Greengrass (or no file), else the file. */
export function credentialSourceOf(identity: { secretId?: string; secretFile?: string }, underGreengrass: boolean): CredentialSource | undefined {
  if (identity.secretId && (underGreengrass || !identity.secretFile)) return new GreengrassCredentialSource(identity.secretId);
  if (identity.secretFile) return new FileCredentialSource(identity.secretFile);
  return undefined;
}
