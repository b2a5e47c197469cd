// The component model: components, properties, services, algorithms, sequences, registry.
export { Component, MsgStream, collectProperties, typeNameOf, formatLocation } from './component.js';
export type { ComponentClass, ComponentContext, MessageReporter, ServiceLocator } from './component.js';
export { prop, describeProperties, PropertyValueError } from './properties.js';
export type { PropertyDecls, PropertyInfo, PropertyKind, PropertySpec, PropsOf } from './properties.js';
export { Level, LEVEL_NAMES, levelName, parseLevel } from './levels.js';
export type { LevelName, LevelNumber } from './levels.js';
export { allowedTransitions } from './state.js';
export type { FsmState, FsmTransition } from './state.js';
export { Service } from './service.js';
export { Algorithm } from './algorithm.js';
export type { AlgorithmStats } from './algorithm.js';
export { Sequence } from './sequence.js';
export { ComponentRegistry, registry, parseTypeAndName } from './registry.js';
export { EventStore } from './event-store.js';
export { isEventSource } from './event-source.js';
export type { EventContext, EventFileRange, EventRecord, EventSource } from './event-source.js';
export { isEventProcessor } from './event-processor.js';
export type { AlgorithmSummary, EventOutcome, EventProcessor, FailedEvent, LoopResult, ProgressListener, ProgressSample } from './event-processor.js';
export { isIoComponent } from './io-component.js';
export type { IoAbandonContext, IoComponent, IoMergeContext, IoReinitContext } from './io-component.js';
export { EventSelectorBase, CounterSelector } from './event-selector.js';
export { Rng, hashTuple } from './services/random.js';
export { RandomSvc } from './services/random-svc.js';
export { AlgorithmFailure } from './algorithm.js';
export { ApplicationMgr } from './application-mgr.js';
export { Application, createApplication } from './application.js';
export type { ApplicationOptions, RunSummary } from './application.js';
export type { OptionsInput, PlainOptions } from './options-source.js';
export { MessageSvc, fdSink } from './services/message-svc.js';
export type { MessageSink } from './services/message-svc.js';
export { HistogramSvc } from './services/histogram-svc.js';
export { Histogram1D, Histogram2D, histogramFromJSON, addHistogram } from './services/histogram.js';
export type { Histogram, HistogramJSON, Histogram1DJSON, Histogram2DJSON } from './services/histogram.js';
export {
  readHistogramFile,
  writeHistogramFile,
  sumHistogramFiles,
  sumHistograms,
  histogramsToText,
  histogramsFromText,
} from './services/histogram-file.js';
export { EventStoreSvc } from './services/event-store-svc.js';
export { jobOptionsReference } from './reference.js';
