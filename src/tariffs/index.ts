/**
 * Public API of the tariff engine (the objects it reads and builds are in src/model): price(), charging-period
 * generation, buildCdr() and explain(). Pure functions; no HTTP, no database.
 */
export { TariffEngineError, TariffValidationError, PricingInputError, CdrBuildError, type FieldIssue } from './errors.js';
export { validateTariff, compileTariff, isCompiledTariff, type CompiledTariff, type CostCategory } from './compiled-tariff.js';
export { price, type TariffLike } from './price.js';
export type * from './price-types.js';
export { MeterState, MeterEvent, MeterTimeline, type MeterTimelineInput } from './meter-timeline.js';
export { chargingPeriodsFromTimeline, type TimelineOptions, type GeneratedPeriods } from './charging-periods.js';
export { buildCdr, type BuildCdrInput, type BuiltCdr } from './cdr-builder.js';
export { CdrLocationSource, ConnectorSource, EvseSource, NOT_AVAILABLE, type CdrLocationSourceInput } from './location-input.js';
export { chooseTariff, isValidAt, type TariffChoiceCriteria } from './tariff-choice.js';
export { explain, type Explanation, type ElementSpan, type DimensionSummary, type ExplainedPeriod, type ExplainedCharge } from './explain.js';
