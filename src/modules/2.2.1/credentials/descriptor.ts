import { negotiatingHandshake } from '../../../platform/peers/negotiate.js';
import { defineModule } from '../../descriptor.js';
import { OCPI_VERSION } from '../version.js';
import { connect, disconnect, invite, rotate } from './initiator.js';
import { startHandshakeRecovery } from './recovery.js';
import { saveLoopback } from './loopback.js';
import { credentialsInterface } from './routes.js';

export const credentialsModule = defineModule({
  id: 'credentials',
  version: OCPI_VERSION,
  interfaces: [credentialsInterface],
  services: (app) => ({
    // The version a connection speaks is negotiated across every version's credentials module.
    peerHandshake: negotiatingHandshake(
      app,
      {
        version: OCPI_VERSION,
        invite: (label) => invite(app, label),
        connect: (versionsUrl, tokenA, label) => connect(app, versionsUrl, tokenA, label),
        rotate: (peerId) => rotate(app, peerId),
        disconnect: (peerId) => disconnect(app, peerId),
        loopback: (rolesOf) => saveLoopback(app, rolesOf),
      },
      () => app.descriptors.flatMap((d) => (d.handshake ? [d.handshake(app)] : [])),
    ),
  }),
  // Credentials handshakes a previous process died in the middle of (docs/reliability.md).
  async onListening(app) {
    const recovery = startHandshakeRecovery(app);
    return () => recovery.stop();
  },
});
