import { SerialPortMock } from 'serialport';
import { closeOnDestroy } from './serial';

function open(path: string): Promise<SerialPortMock> {
  return new Promise((resolve, reject) => {
    const port = new SerialPortMock({ path, baudRate: 38400, autoOpen: false });
    port.on('error', () => undefined);
    port.open((err) => (err ? reject(err) : resolve(port)));
  });
}

const closed = (port: SerialPortMock): Promise<void> => new Promise((r) => port.once('close', () => r()));

describe('closeOnDestroy', () => {
  beforeEach(() => SerialPortMock.binding.reset());

  test('without it, a destroyed port stays locked and cannot be opened again', async () => {
    SerialPortMock.binding.createPort('/dev/ttyTEST0');
    const first = await open('/dev/ttyTEST0');
    const gone = closed(first);
    first.destroy();
    await gone;
    await expect(open('/dev/ttyTEST0')).rejects.toThrow(/locked/i);
  });

  test('with it, destroy closes the device and the same path opens again', async () => {
    SerialPortMock.binding.createPort('/dev/ttyTEST1');
    const first = closeOnDestroy(await open('/dev/ttyTEST1'));
    const gone = closed(first);
    first.destroy();
    await gone;
    expect(first.isOpen).toBe(false);
    const second = await open('/dev/ttyTEST1');
    expect(second.isOpen).toBe(true);
    second.destroy();
  });

  test('destroying a port that is not open is fine', async () => {
    SerialPortMock.binding.createPort('/dev/ttyTEST2');
    const port = closeOnDestroy(new SerialPortMock({ path: '/dev/ttyTEST2', baudRate: 9600, autoOpen: false }));
    port.destroy();
    await closed(port);
    expect(port.destroyed).toBe(true);
  });
});
