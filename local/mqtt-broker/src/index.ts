export { LocalMqttBroker, type LocalMqttBrokerOptions, type ReceivedMessage, type BrokerListening, type BrokerStats } from './broker';
export { ensureCertificates, certFilesIn, type CertFiles, type CertOptions } from './certs';
export { runMqttBroker } from './main';
