/**
 * Picks, per dimension, the PriceComponent in force at an instant: the first element in
 * tariff order that has a component of that dimension and whose restrictions all hold.
 * Dimensions are looked up independently, so FLAT may come from element 0 while TIME comes
 * from element 3.
 */
import type { CompiledComponent, CompiledTariff, ReservationDimension } from './compiled-tariff.js';
import { restrictionsHold, type InstantState, type UnknownQuantities } from './restrictions.js';
import type { TariffDimensionType } from '../model/tariff.js';

export const SESSION_DIMENSIONS: readonly TariffDimensionType[] = ['FLAT', 'ENERGY', 'TIME', 'PARKING_TIME'];
export const RESERVATION_DIMENSIONS: readonly ReservationDimension[] = ['FLAT', 'TIME'];

export type SessionSelection = Readonly<Record<TariffDimensionType, CompiledComponent | null>>;
export type ReservationSelection = Readonly<Record<ReservationDimension, CompiledComponent | null>>;

export function selectForSession(t: CompiledTariff, s: InstantState, unknown?: UnknownQuantities): SessionSelection {
  const pick = (dim: TariffDimensionType): CompiledComponent | null => {
    for (const el of t.lookup.session[dim]) {
      if (restrictionsHold(el.restrictions, s, unknown)) return el.components[dim] ?? null;
    }
    return null;
  };
  return { FLAT: pick('FLAT'), ENERGY: pick('ENERGY'), TIME: pick('TIME'), PARKING_TIME: pick('PARKING_TIME') };
}

/**
 * During a reservation only reservation elements count; an unrestricted element describes the
 * charging session, which has not begun (this is what makes the spec's expired-reservation
 * example charge no session FLAT fee).
 */
export function selectForReservation(t: CompiledTariff, s: InstantState, expired: boolean, unknown?: UnknownQuantities): ReservationSelection {
  const table = expired ? t.lookup.reservationExpired : t.lookup.reservation;
  const pick = (dim: ReservationDimension): CompiledComponent | null => {
    for (const el of table[dim]) {
      if (restrictionsHold(el.restrictions, s, unknown)) return el.components[dim] ?? null;
    }
    return null;
  };
  return { FLAT: pick('FLAT'), TIME: pick('TIME') };
}

/** A compact identity of a selection, used to decide whether two instants price alike. */
export function selectionKey(sel: Readonly<Partial<Record<TariffDimensionType, CompiledComponent | null>>>): string {
  return SESSION_DIMENSIONS.map((d) => sel[d]?.key ?? '-').join('|');
}
