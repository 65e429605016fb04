import { defineModule } from '../../descriptor.js';
import { OCPI_VERSION } from '../version.js';
import { startHandshakeRecovery } from './recovery.js';
import { credentialsInterface } from './routes.js';

export const credentialsModule = defineModule({
  id: 'credentials',
  version: OCPI_VERSION,
  interfaces: [credentialsInterface],
  // Credentials handshakes a previous process died in the middle of (docs/reliability.md).
  async onListening(app) {
    const recovery = startHandshakeRecovery(app);
    return () => recovery.stop();
  },
});
