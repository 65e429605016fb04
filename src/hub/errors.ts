/** The hub's own status codes (transport §6): sent with HTTP 200 like every authenticated OCPI answer. */
import { OcpiError } from '../ocpi/errors.js';
import { OcpiStatus } from '../ocpi/status.js';

export const hubError = (message: string) => new OcpiError(OcpiStatus.HUB_ERROR, message);
export const unknownReceiver = (message: string) => new OcpiError(OcpiStatus.UNKNOWN_RECEIVER, message);
export const forwardTimeout = (message: string) => new OcpiError(OcpiStatus.FORWARD_TIMEOUT, message);
export const receiverNotConnected = (message: string) => new OcpiError(OcpiStatus.RECEIVER_NOT_CONNECTED, message);
