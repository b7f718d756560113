import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FileCredentialSource, GreengrassCredentialSource, credentialSourceOf, parseCredentials, type SecretIpcClient } from './secrets';

describe('credentials', () => {
  test('parse {"username","password"} (userName accepted too); errors never echo the secret', () => {
    expect(parseCredentials('{"username":"op","password":"p"}', 'x')).toEqual({ userName: 'op', password: 'p' });
    expect(parseCredentials('{"userName":"op","password":""}', 'x')).toEqual({ userName: 'op', password: '' });
    expect(() => parseCredentials('{"username":"op","pass":"hunter2"}', 'secret-a')).toThrow(/secret-a needs string fields/);
    expect(() => parseCredentials('hunter2', 'secret-a')).toThrow(/^(?!.*hunter2)/);
  });

  test('from a local file', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opcua-secret-'));
    const file = path.join(dir, 'c.json');
    fs.writeFileSync(file, JSON.stringify({ username: 'op', password: 'pw' }));
    await expect(new FileCredentialSource(file).get()).resolves.toEqual({ userName: 'op', password: 'pw' });
    await expect(new FileCredentialSource(path.join(dir, 'missing.json')).get()).rejects.toMatchObject({ code: 'opcua_secret_unavailable' });
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('from aws.greengrass.SecretManager over IPC (fake client), closed after use', async () => {
    const calls: string[] = [];
    let closed = 0;
    const client: SecretIpcClient = {
      getSecretValue: async ({ secretId }) => {
        calls.push(secretId);
        return { secretValue: { secretString: '{"username":"op","password":"pw"}' } };
      },
      close: async () => void closed++,
    };
    const src = new GreengrassCredentialSource('arn:aws:secretsmanager:eu-west-1:1:secret:plc', async () => client);
    await expect(src.get()).resolves.toEqual({ userName: 'op', password: 'pw' });
    expect(calls).toEqual(['arn:aws:secretsmanager:eu-west-1:1:secret:plc']);
    expect(closed).toBe(1);
    const failing = new GreengrassCredentialSource('s', async () => ({ getSecretValue: async () => Promise.reject(new Error('denied')), close: async () => undefined }));
    await expect(failing.get()).rejects.toMatchObject({ code: 'opcua_secret_unavailable' });
  });

  test('which source: Greengrass secret under Greengrass, the file locally', () => {
    expect(credentialSourceOf({ secretId: 's', secretFile: 'f' }, true)).toBeInstanceOf(GreengrassCredentialSource);
    expect(credentialSourceOf({ secretId: 's', secretFile: 'f' }, false)).toBeInstanceOf(FileCredentialSource);
    expect(credentialSourceOf({ secretId: 's' }, false)).toBeInstanceOf(GreengrassCredentialSource);
    expect(credentialSourceOf({}, false)).toBeUndefined();
  });
});
