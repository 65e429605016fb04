import { defineModule } from '../../descriptor.js';
import { OCPI_VERSION } from '../version.js';
import { connect, disconnect, invite, rotate } from './initiator.js';
import { startHandshakeRecovery } from './recovery.js';
import { credentialsInterface } from './routes.js';

export const credentialsModule = defineModule({
  id: 'credentials',
  version: OCPI_VERSION,
  interfaces: [credentialsInterface],
  services: (app) => ({
    peerHandshake: {
      invite: (label) => invite(app, label),
      connect: (versionsUrl, tokenA, label) => connect(app, versionsUrl, tokenA, label),
      rotate: (peerId) => rotate(app, peerId),
      disconnect: (peerId) => disconnect(app, peerId),
    },
  }),
  // Credentials handshakes a previous process died in the middle of (docs/reliability.md).
  async onListening(app) {
    const recovery = startHandshakeRecovery(app);
    return () => recovery.stop();
  },
});
