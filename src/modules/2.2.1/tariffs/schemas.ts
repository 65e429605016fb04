/**
 * Tariffs module objects (03-tariffs §2). The Tariff schema is the tariff engine's own, so a
 * tariff we store and publish is exactly one the engine can price.
 */
import { z } from 'zod';
import { ciString } from '../../../model/primitives.js';

/** Receiver-side and backend paths name one tariff of a party (03-tariffs §1.3). */
export const TariffPath = z.object({ tariff_id: ciString(36) });
